/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the state decoder with arbitrary file contents, as a corrupt or
 * hostile state.json would reach it.  Besides memory errors (ASan/UBSan)
 * it checks one property: a document that decodes must encode, and what
 * it encodes to must decode again to the same text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "persist/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hull_sandbox_state st, again;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *text = NULL, *text_again = NULL;

	hull_state_init(&st);
	hull_state_init(&again);
	if (hull_state_parse((const char *)data, size, &st, &err) < 0) {
		if (err == NULL || err->msg == NULL)
			abort(); /* every failure must say why */
		return 0;
	}
	text = hull_state_dump(&st, &err);
	if (text == NULL) {
		fprintf(stderr, "decoded but cannot encode: %s\n", err->msg);
		abort();
	}
	if (hull_state_parse(text, strlen(text), &again, &err) < 0) {
		fprintf(stderr, "re-encoded state does not decode: %s\n", err->msg);
		abort();
	}
	text_again = hull_state_dump(&again, &err);
	if (text_again == NULL || strcmp(text, text_again) != 0)
		abort();
	hull_state_free(&st);
	hull_state_free(&again);
	return 0;
}
