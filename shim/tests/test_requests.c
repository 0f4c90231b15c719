/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containerd.task.v2.Task's requests (shim/requests.c), written field by
 * field as containerd 1.6's runtime/v2/task/shim.proto numbers them, and
 * every field of what the shim decodes checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "shim/protobuf.h"
#include "shim/requests.h"

#define BUNDLE "/run/containerd/io.containerd.runtime.v2.task/k8s.io/c1"
#define PROCESS_TYPE "types.containerd.io/opencontainers/runtime-spec/1/Process"
#define RESOURCES_TYPE "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"

/* A containerd.types.Mount {type = 1, source = 2, target = 3, options = 4} in rootfs (3). */
static void put_mount(struct pb_writer *w, const char *type, const char *source, const char *target,
                      const char *const *options)
{
	struct pb_writer m = {0};

	pb_put_string(&m, 1, type);
	pb_put_string(&m, 2, source);
	pb_put_string(&m, 3, target);
	for (; options && *options; options++)
		pb_put_string(&m, 4, *options);
	pb_put_message(w, 3, &m);
	pb_writer_release(&m);
}

/* An Any {type_url = 1, value = 2} whose value is text (the JSON containerd puts there). */
static void put_json_any(struct pb_writer *w, uint32_t field, const char *type_url,
                         const char *json)
{
	const struct pb_writer value = {.data = (uint8_t *)json, .len = strlen(json)};

	pb_put_any(w, field, type_url, &value);
}

/* Decodes w as method's request, which must succeed; releases w. */
static void decode(const char *method, struct pb_writer *w, struct task_request *req)
{
	cleanup_error hull_error_t err = NULL;

	assert_false(pb_writer_failed(w));
	if (task_request_decode(method, w->data, w->len, req, &err) < 0)
		fail_msg("%s: %s", method, hull_error_str(err));
	pb_writer_release(w);
}

/* Decodes w as method's request, which must fail with message; releases w. */
static void decode_fails(const char *method, struct pb_writer *w, const char *message)
{
	cleanup_error hull_error_t err = NULL;
	struct task_request req;

	assert_int_equal(task_request_decode(method, w->data, w->len, &req, &err), -1);
	assert_string_equal(hull_error_str(err), message);
	/* Nothing is left in the request (and valgrind sees nothing leaked). */
	assert_null(req.id);
	assert_null(req.mounts);
	assert_int_equal(req.n_mounts, 0);
	assert_null(req.stdio[0]);
	pb_writer_release(w);
}

static void create_has_bundle_rootfs_and_stdio(void **state)
{
	static const char *const overlay_options[] = {
	    "index=off", "workdir=/s/1/work", "upperdir=/s/1/fs", "lowerdir=/s/2/fs:/s/3/fs", NULL};
	static const char *const bind_options[] = {"rbind", "ro", NULL};
	struct pb_writer w = {0};
	struct task_request req;

	(void)state;
	pb_put_string(&w, 1, "c1");
	pb_put_string(&w, 2, BUNDLE);
	put_mount(&w, "overlay", "overlay", NULL, overlay_options);
	put_mount(&w, "bind", "/src", "/t", bind_options);
	pb_put_bool(&w, 4, true);
	pb_put_string(&w, 5, BUNDLE "/stdin");
	pb_put_string(&w, 6, BUNDLE "/stdout");
	/* stderr (7) left out: a terminal has none. */
	decode("Create", &w, &req);

	assert_string_equal(req.id, "c1");
	assert_null(req.exec_id); /* field 2 is the bundle here */
	assert_string_equal(req.bundle, BUNDLE);
	assert_int_equal(req.n_mounts, 2);
	assert_string_equal(req.mounts[0].type, "overlay");
	assert_string_equal(req.mounts[0].source, "overlay");
	assert_int_equal(req.mounts[0].n_options, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(req.mounts[0].options[i], overlay_options[i]);
	assert_string_equal(req.mounts[1].type, "bind");
	assert_string_equal(req.mounts[1].source, "/src");
	assert_int_equal(req.mounts[1].n_options, 2);
	assert_string_equal(req.mounts[1].options[0], "rbind");
	assert_string_equal(req.mounts[1].options[1], "ro");
	assert_true(req.terminal);
	assert_string_equal(req.stdio[0], BUNDLE "/stdin");
	assert_string_equal(req.stdio[1], BUNDLE "/stdout");
	assert_string_equal(req.stdio[2], "");
	assert_false(req.checkpoint);
	assert_false(req.options);
	assert_null(req.json);
	task_request_release(&req);
	assert_null(req.id);
	assert_null(req.mounts);
}

/* A checkpoint (8) or parent checkpoint (9) to restore from; runtime options (10). */
static void create_flags_checkpoint_and_options(void **state)
{
	struct pb_writer w = {0}, runc_options = {0};
	struct task_request req;

	(void)state;
	pb_put_string(&w, 1, "c1");
	pb_put_string(&w, 2, BUNDLE);
	pb_put_string(&w, 8, "/var/lib/checkpoint");
	decode("Create", &w, &req);
	assert_true(req.checkpoint);
	assert_false(req.options);
	assert_false(req.terminal);
	assert_int_equal(req.n_mounts, 0);
	assert_string_equal(req.stdio[0], "");
	assert_string_equal(req.stdio[1], "");
	assert_string_equal(req.stdio[2], "");
	task_request_release(&req);

	pb_put_string(&w, 1, "c1");
	pb_put_string(&w, 9, "/var/lib/parent");
	decode("Create", &w, &req);
	assert_true(req.checkpoint);
	task_request_release(&req);

	pb_put_string(&runc_options, 5, "/usr/bin/runc");
	pb_put_string(&w, 1, "c1");
	pb_put_any(&w, 10, "containerd.runc.v1.Options", &runc_options);
	decode("Create", &w, &req);
	assert_false(req.checkpoint);
	assert_true(req.options);
	task_request_release(&req);
	pb_writer_release(&runc_options);
}

static void exec_has_process_json_and_stdio(void **state)
{
	static const char process[] =
	    "{\"args\":[\"sh\",\"-c\",\"echo hi\"],\"cwd\":\"/\",\"terminal\":false}";
	struct pb_writer w = {0};
	struct task_request req;

	(void)state;
	pb_put_string(&w, 1, "c1");
	pb_put_string(&w, 2, "e1");
	pb_put_bool(&w, 3, true);
	/* stdin (4) left out: none. */
	pb_put_string(&w, 5, "/run/e1-stdout");
	pb_put_string(&w, 6, "/run/e1-stderr");
	put_json_any(&w, 7, PROCESS_TYPE, process);
	decode("Exec", &w, &req);

	assert_string_equal(req.id, "c1");
	assert_string_equal(req.exec_id, "e1");
	assert_true(req.terminal);
	assert_string_equal(req.stdio[0], "");
	assert_string_equal(req.stdio[1], "/run/e1-stdout");
	assert_string_equal(req.stdio[2], "/run/e1-stderr");
	assert_string_equal(req.json, process);
	assert_null(req.bundle);
	task_request_release(&req);
}

static void kill_has_signal_and_all(void **state)
{
	struct pb_writer w = {0};
	struct task_request req;

	(void)state;
	pb_put_string(&w, 1, "c1");
	pb_put_uint64(&w, 3, 9);
	pb_put_bool(&w, 4, true);
	decode("Kill", &w, &req);
	assert_string_equal(req.id, "c1");
	assert_null(req.exec_id);
	assert_int_equal(req.signal, 9);
	assert_true(req.all);
	task_request_release(&req);

	pb_put_string(&w, 1, "c1");
	pb_put_string(&w, 2, "e1");
	pb_put_uint64(&w, 3, 15);
	decode("Kill", &w, &req);
	assert_string_equal(req.exec_id, "e1");
	assert_int_equal(req.signal, 15);
	assert_false(req.all);
	task_request_release(&req);
}

static void resize_pty_has_width_and_height(void **state)
{
	struct pb_writer w = {0};
	struct task_request req;

	(void)state;
	pb_put_string(&w, 1, "c1");
	pb_put_string(&w, 2, "e1");
	pb_put_uint64(&w, 3, 132);
	pb_put_uint64(&w, 4, 43);
	decode("ResizePty", &w, &req);
	assert_string_equal(req.exec_id, "e1");
	assert_int_equal(req.width, 132);
	assert_int_equal(req.height, 43);
	assert_int_equal(req.signal, 0);
	task_request_release(&req);
}

static void close_io_has_stdin(void **state)
{
	struct pb_writer w = {0};
	struct task_request req;

	(void)state;
	pb_put_string(&w, 1, "c1");
	pb_put_bool(&w, 3, true);
	decode("CloseIO", &w, &req);
	assert_true(req.close_stdin);
	assert_null(req.exec_id);
	task_request_release(&req);

	pb_put_string(&w, 1, "c1");
	decode("CloseIO", &w, &req);
	assert_false(req.close_stdin);
	task_request_release(&req);
}

/* UpdateTaskRequest {id = 1, resources = 2 (Any), annotations = 3 (map)}: no exec_id. */
static void update_has_resources_json(void **state)
{
	static const char resources[] =
	    "{\"cpu\":{\"shares\":512},\"memory\":{\"limit\":268435456}}";
	struct pb_writer w = {0}, entry = {0};
	struct task_request req;

	(void)state;
	pb_put_string(&w, 1, "c1");
	put_json_any(&w, 2, RESOURCES_TYPE, resources);
	pb_put_string(&entry, 1, "io.kubernetes.cri.sandbox-id");
	pb_put_string(&entry, 2, "s1");
	pb_put_message(&w, 3, &entry);
	decode("Update", &w, &req);
	assert_string_equal(req.id, "c1");
	assert_null(req.exec_id);
	assert_string_equal(req.json, resources);
	task_request_release(&req);
	pb_writer_release(&entry);
}

/* An empty exec_id, left out or sent empty, is the task's own process. */
static void empty_exec_id_is_the_init(void **state)
{
	struct pb_writer w = {0}, empty = {0};
	struct task_request req;

	(void)state;
	pb_put_string(&w, 1, "c1");
	decode("State", &w, &req);
	assert_null(req.exec_id);
	task_request_release(&req);

	pb_put_string(&w, 1, "c1");
	pb_put_message(&w, 2, &empty); /* 12 00: a present, empty string */
	decode("State", &w, &req);
	assert_string_equal(req.id, "c1");
	assert_null(req.exec_id);
	/* No stdio in a StateRequest: all three "", never NULL. */
	for (int i = 0; i < 3; i++) {
		assert_non_null(req.stdio[i]);
		assert_string_equal(req.stdio[i], "");
	}
	task_request_release(&req);
}

/* A field given twice: the last one counts (proto3), the first is freed. */
static void repeated_scalar_keeps_the_last(void **state)
{
	struct pb_writer w = {0};
	struct task_request req;

	(void)state;
	pb_put_string(&w, 1, "old");
	pb_put_string(&w, 2, "e-old");
	pb_put_string(&w, 1, "c1");
	pb_put_string(&w, 2, "e1");
	decode("Delete", &w, &req);
	assert_string_equal(req.id, "c1");
	assert_string_equal(req.exec_id, "e1");
	task_request_release(&req);
}

static void request_without_id_names_the_method(void **state)
{
	struct pb_writer w = {0}, empty = {0};

	(void)state;
	pb_put_string(&w, 2, "e1");
	decode_fails("State", &w, "State: the request names no task");

	pb_put_message(&w, 1, &empty);
	decode_fails("Kill", &w, "Kill: the request names no task");

	pb_put_string(&w, 2, BUNDLE);
	pb_put_string(&w, 5, BUNDLE "/stdin");
	decode_fails("Create", &w, "Create: the request names no task");
}

static void malformed_request_names_the_method(void **state)
{
	struct pb_writer w = {0};

	(void)state;
	pb_put_string(&w, 1, "c1");
	pb_put_string(&w, 2, "e1");
	w.len -= 1; /* cut in the exec_id */
	decode_fails("Kill", &w, "Kill: malformed request");
}

/* A mount without a type (or source) fails the Create; the mounts before it are freed. */
static void malformed_mount_fails_create(void **state)
{
	static const char *const ro[] = {"ro", NULL};
	struct pb_writer w = {0};

	(void)state;
	pb_put_string(&w, 1, "c1");
	pb_put_string(&w, 2, BUNDLE);
	put_mount(&w, "overlay", "overlay", NULL, ro);
	put_mount(&w, NULL, "/src", "/t", ro);
	pb_put_string(&w, 5, BUNDLE "/stdin");
	decode_fails("Create", &w, "rootfs: malformed mount");

	pb_put_string(&w, 1, "c1");
	put_mount(&w, "bind", NULL, NULL, ro);
	decode_fails("Create", &w, "rootfs: malformed mount");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_has_bundle_rootfs_and_stdio),
	    cmocka_unit_test(create_flags_checkpoint_and_options),
	    cmocka_unit_test(exec_has_process_json_and_stdio),
	    cmocka_unit_test(kill_has_signal_and_all),
	    cmocka_unit_test(resize_pty_has_width_and_height),
	    cmocka_unit_test(close_io_has_stdin),
	    cmocka_unit_test(update_has_resources_json),
	    cmocka_unit_test(empty_exec_id_is_the_init),
	    cmocka_unit_test(repeated_scalar_keeps_the_last),
	    cmocka_unit_test(request_without_id_names_the_method),
	    cmocka_unit_test(malformed_request_names_the_method),
	    cmocka_unit_test(malformed_mount_fails_create),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
