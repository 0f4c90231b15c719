/* SPDX-License-Identifier: Apache-2.0 */
#include "persist/accel_verdict.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/read_file.h"
#include "persist/json_field.h"
#include "persist/store.h"

/* A verdict is a few hundred bytes; anything this large is not one. */
#define VERDICT_FILE_MAX 65536

static const char *const accel_names[] = {[HULL_ACCEL_KVM] = "kvm", [HULL_ACCEL_TCG] = "tcg"};

int hull_boot_id(char out[40], hull_error_t *err)
{
	cleanup_close int fd = open(HULL_BOOT_ID_PATH, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	out[0] = '\0';
	if (fd < 0)
		return hull_fail(err, errno, "%s", HULL_BOOT_ID_PATH);
	n = read(fd, out, 39);
	if (n <= 0)
		return hull_fail(err, n < 0 ? errno : 0, "read %s", HULL_BOOT_ID_PATH);
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static int verdict_path(const char *root, char *out, size_t size, hull_error_t *err)
{
	if ((size_t)snprintf(out, size, "%s/%s", root, HULL_ACCEL_VERDICT_FILE) >= size)
		return hull_fail(err, ENAMETOOLONG, "%s/%s", root, HULL_ACCEL_VERDICT_FILE);
	return 0;
}

static int decode(const json_t *j, struct hull_accel_verdict *v, hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_INIT;
	long long version = 0;
	int accel = HULL_ACCEL_TCG;

	if (!json_is_object(j))
		return hull_jfail_type(err, &p, "an object", j);
	if (hull_jget_int(j, "version", true, 1, INT_MAX, &version, &p, err) < 0)
		return -1;
	if (version != HULL_ACCEL_VERDICT_VERSION)
		return hull_fail(err, 0, "version %lld is not %d", version,
		                 HULL_ACCEL_VERDICT_VERSION);
	v->kvm_alive_ms = -1;
	if (hull_jget_string_buf(j, "boot_id", true, v->boot_id, sizeof(v->boot_id), &p, err) < 0 ||
	    hull_jget_enum(j, "accel", true, accel_names, 2, &accel, &p, err) < 0 ||
	    hull_jget_string_buf(j, "reason", true, v->reason, sizeof(v->reason), &p, err) < 0 ||
	    hull_jget_string_buf(j, "decided_at", false, v->decided_at, sizeof(v->decided_at), &p,
	                         err) < 0 ||
	    hull_jget_int(j, "kvm_alive_ms", false, -1, INT_MAX, &v->kvm_alive_ms, &p, err) < 0)
		return -1;
	v->accel = (enum hull_accel)accel;
	return 0;
}

int hull_accel_verdict_load(const char *root, struct hull_accel_verdict *v, hull_error_t *err)
{
	char path[PATH_MAX], boot_id[40];
	cleanup_close int fd = -1;
	cleanup_json json_t *j = NULL;
	cleanup_free char *text = NULL;
	size_t len;

	memset(v, 0, sizeof(*v));
	if (verdict_path(root, path, sizeof(path), err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return hull_fail(err, errno, "%s", path);
	if (hull_read_fd(fd, path, VERDICT_FILE_MAX, &text, &len, err) < 0)
		return -1;
	j = hull_json_parse(path, text, len, err);
	if (j == NULL)
		return -1;
	if (decode(j, v, err) < 0)
		return hull_error_prefix(err, "%s", path);
	/* Another boot's verdict says nothing about this one's KVM. */
	if (hull_boot_id(boot_id, NULL) < 0 || strcmp(boot_id, v->boot_id) != 0)
		return 0;
	return 1;
}

int hull_accel_verdict_save(const char *root, struct hull_accel_verdict *v, hull_error_t *err)
{
	struct hull_jbuild b = {0};
	cleanup_json json_t *j = json_object();
	cleanup_free char *text = NULL;
	time_t now = time(NULL);
	struct tm tm;

	if (hull_boot_id(v->boot_id, err) < 0)
		return -1;
	strftime(v->decided_at, sizeof(v->decided_at), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	hull_jset_int(&b, j, "version", HULL_ACCEL_VERDICT_VERSION);
	hull_jset_string(&b, j, "boot_id", v->boot_id);
	hull_jset_string(&b, j, "accel", accel_names[v->accel]);
	hull_jset_string(&b, j, "reason", v->reason);
	hull_jset_string(&b, j, "decided_at", v->decided_at);
	hull_jset_int(&b, j, "kvm_alive_ms", v->kvm_alive_ms);
	if (b.failed)
		return hull_fail(err, 0, "accelerator verdict: %s", b.why);
	text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (text == NULL)
		return hull_fail(err, ENOMEM, "accelerator verdict");
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		return hull_fail(err, errno, "mkdir %s", root);
	return hull_store_write_file(root, HULL_ACCEL_VERDICT_FILE, text, err);
}
