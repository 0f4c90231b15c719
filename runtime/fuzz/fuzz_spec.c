/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: bytes as config.json text, through the spec parser,
 * the annotations (over the built-in default configuration) and the JSON
 * output of `hull config`; everything is freed, so ASan sees leaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/log.h"
#include "runtime/sandbox_config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	hull_error_t err = NULL;

	(void)argc;
	(void)argv;
	/* ociVersion warnings would flood the fuzzer's output */
	if (hull_log_init("/dev/null", HULL_LOG_TEXT, false, &err) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hull_sandbox_config sc = {0};
	cleanup_error hull_error_t err = NULL;

	if (hull_config_init_defaults(&sc.config, &err) < 0)
		abort(); /* the defaults must always be valid */
	if (hull_sandbox_config_build(&sc, "config.json", (const char *)data, size, "/bundle",
	                              "fuzz", &err) == 0) {
		json_t *out = hull_sandbox_config_to_json(&sc);
		char *text = json_dumps(out, JSON_INDENT(2));

		if (out == NULL || text == NULL)
			abort();
		free(text);
		json_decref(out);
	} else if (err == NULL || err->msg == NULL) {
		abort(); /* every failure explains itself */
	}
	hull_sandbox_config_free(&sc);
	return 0;
}
