// SPDX-License-Identifier: Apache-2.0
#include "shim/requests.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shim/protobuf.h"

/* The value (2) of a google.protobuf.Any into *slot, as a string (NULL if
 * it has none); -1 when out of memory. */
static int set_any_value(char **slot, const struct pb_field *f)
{
	struct pb_reader r;
	struct pb_field g;

	free(*slot);
	*slot = NULL;
	pb_reader_init(&r, f->data, f->len);
	while (pb_next(&r, &g) > 0) {
		if (g.number == 2 && g.type == PB_BYTES) {
			free(*slot);
			if (!(*slot = pb_field_strdup(&g)))
				return -1;
		}
	}
	return 0;
}

static int set_string(char **slot, const struct pb_field *f)
{
	free(*slot);
	*slot = pb_field_strdup(f);
	return *slot ? 0 : -1;
}

static int add_mount(struct task_request *req, const struct pb_field *f, hull_error_t *err)
{
	struct shim_mount *grown = realloc(req->mounts, sizeof(*grown) * (req->n_mounts + 1));

	if (!grown)
		return hull_fail(err, ENOMEM, "rootfs");
	req->mounts = grown;
	if (shim_mount_decode(f->data, f->len, &grown[req->n_mounts], err) < 0)
		return -1;
	req->n_mounts++;
	return 0;
}

/* One field of a CreateTaskRequest. */
static int create_field(struct task_request *req, const struct pb_field *f, hull_error_t *err)
{
	bool bytes = f->type == PB_BYTES;

	switch (f->number) {
	case 2:
		return bytes ? set_string(&req->bundle, f) : 0;
	case 3:
		return bytes ? add_mount(req, f, err) : 0;
	case 4:
		req->terminal = f->varint != 0;
		return 0;
	case 5:
	case 6:
	case 7:
		return bytes ? set_string(&req->stdio[f->number - 5], f) : 0;
	case 8:
	case 9:
		req->checkpoint |= bytes && f->len;
		return 0;
	case 10:
		req->options |= bytes && f->len;
		return 0;
	}
	return 0;
}

/* One field past id and exec_id of the other requests. */
static int other_field(const char *method, struct task_request *req, const struct pb_field *f)
{
	if (!strcmp(method, "Exec")) {
		if (f->number == 3)
			req->terminal = f->varint != 0;
		else if (f->number >= 4 && f->number <= 6 && f->type == PB_BYTES)
			return set_string(&req->stdio[f->number - 4], f);
		else if (f->number == 7 && f->type == PB_BYTES)
			return set_any_value(&req->json, f);
	} else if (!strcmp(method, "Kill")) {
		if (f->number == 3)
			req->signal = (uint32_t)f->varint;
		else if (f->number == 4)
			req->all = f->varint != 0;
	} else if (!strcmp(method, "ResizePty")) {
		if (f->number == 3)
			req->width = (uint32_t)f->varint;
		else if (f->number == 4)
			req->height = (uint32_t)f->varint;
	} else if (!strcmp(method, "CloseIO")) {
		if (f->number == 3)
			req->close_stdin = f->varint != 0;
	}
	return 0;
}

int task_request_decode(const char *method, const uint8_t *data, size_t len,
                        struct task_request *req, hull_error_t *err)
{
	bool create = !strcmp(method, "Create"), update = !strcmp(method, "Update");
	struct pb_reader r;
	struct pb_field f;
	int rc;

	*req = (struct task_request){0};
	pb_reader_init(&r, data, len);
	while ((rc = pb_next(&r, &f)) > 0) {
		int done;

		if (f.number == 1 && f.type == PB_BYTES)
			done = set_string(&req->id, &f);
		else if (create)
			done = create_field(req, &f, err);
		else if (update && f.number == 2 && f.type == PB_BYTES)
			done = set_any_value(&req->json, &f);
		else if (!update && f.number == 2 && f.type == PB_BYTES)
			done = set_string(&req->exec_id, &f);
		else
			done = other_field(method, req, &f);
		if (done < 0) {
			hull_fail(err, ENOMEM, "%s request", method);
			goto fail;
		}
	}
	if (rc < 0) {
		hull_fail(err, 0, "%s: malformed request", method);
		goto fail;
	}
	if (req->exec_id && !*req->exec_id) {
		free(req->exec_id);
		req->exec_id = NULL;
	}
	for (int i = 0; i < 3; i++) {
		if (!req->stdio[i] && !(req->stdio[i] = strdup(""))) {
			hull_fail(err, ENOMEM, "%s request", method);
			goto fail;
		}
	}
	if (!req->id || !*req->id) {
		hull_fail(err, 0, "%s: the request names no task", method);
		goto fail;
	}
	return 0;
fail:
	task_request_release(req);
	return -1;
}

void task_request_release(struct task_request *req)
{
	free(req->id);
	free(req->exec_id);
	free(req->bundle);
	for (size_t i = 0; i < req->n_mounts; i++)
		shim_mount_release(&req->mounts[i]);
	free(req->mounts);
	for (int i = 0; i < 3; i++)
		free(req->stdio[i]);
	free(req->json);
	*req = (struct task_request){0};
}
