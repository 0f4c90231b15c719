/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HULL_RUNTIME_VERSION_H
#define HULL_RUNTIME_VERSION_H

#define HULL_VERSION "0.1.0"

#endif
