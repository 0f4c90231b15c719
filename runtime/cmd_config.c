/* SPDX-License-Identifier: Apache-2.0 */
/* `hull config --bundle DIR [ID]`: print a bundle's resolved sandbox configuration. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "persist/id.h"
#include "runtime/commands.h"
#include "runtime/oci_spec.h"
#include "runtime/sandbox_config.h"

static void print_help(void)
{
	printf("usage: hull config [--bundle DIR] [ID]\n\n"
	       "Print the sandbox configuration hull would use for the bundle, as JSON:\n"
	       "the configuration file (or the defaults) with the bundle's annotations\n"
	       "applied, the container read from DIR/config.json, and under \"no_effect\"\n"
	       "the settings hull accepts for Kata compatibility that have no effect\n"
	       "(each logs an info line when set to other than its default).\n\n"
	       "  --bundle, -b DIR   the bundle directory (default: the current directory)\n"
	       "  --help, -h         print this help\n\n"
	       "ID defaults to the bundle directory's name.\n");
}

int cmd_config(struct hull_globals *globals, int argc, char **argv, hull_error_t *err)
{
	static const struct option options[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct hull_sandbox_options opts = {
	    .config_path = globals->config_path,
	    .state_root = globals->root,
	    .bundle = ".",
	};
	struct hull_sandbox_config sc = {0};
	cleanup_free char *bundle = NULL;
	cleanup_json json_t *out = NULL;
	int c, ret = -1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+b:h", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			opts.bundle = optarg;
			break;
		case 'h':
			print_help();
			return 0;
		case ':':
			return hull_fail(err, 0, "config: option %s needs a value",
			                 argv[optind - 1]);
		default:
			return hull_fail(err, 0,
			                 "config: unknown option %s (see hull config --help)",
			                 argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return hull_fail(err, 0, "config: unexpected argument \"%s\"", argv[optind + 1]);
	if (hull_path_absolute(opts.bundle, &bundle, err) < 0)
		return -1;
	opts.id = optind < argc ? argv[optind] : strrchr(bundle, '/') + 1;
	if (hull_id_validate(opts.id, err) < 0)
		return -1;

	if (hull_sandbox_config_load(&opts, &sc, err) < 0)
		goto out;
	out = hull_sandbox_config_to_json(&sc);
	if (out == NULL ||
	    json_object_set_new(out, "no_effect", hull_settings_no_effect_json()) < 0) {
		hull_fail(err, ENOMEM, "config: build the JSON output");
		goto out;
	}
	if (json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
	    fputc('\n', stdout) == EOF || fflush(stdout) == EOF) {
		hull_fail(err, errno, "config: write to stdout");
		goto out;
	}
	ret = 0;
out:
	hull_sandbox_config_free(&sc);
	return ret;
}
