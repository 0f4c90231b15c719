/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/proc_view.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/read_file.h"

/*
 * Node ids: a few fixed ones, and for each process (pid << 4) | kind.
 * Pids start at 1, so a process's ids never meet the fixed ones.
 */
enum {
	NODE_ROOT = FUSE_ROOT_ID,
	NODE_STAT,
	NODE_SELF,
	NODE_SELF_AUXV,
	NODE_SELF_UID_MAP,
	NODE_SELF_GID_MAP,
};
enum {
	K_DIR = 1,
	K_STAT,
	K_STATUS,
	K_CMDLINE,
	K_NS,
	K_NS_PID
};
#define PID_NODE(pid, kind) (((uint64_t)(pid) << 4) | (kind))
#define NODE_PID(node) ((long)((node) >> 4))
#define NODE_KIND(node) ((unsigned)((node)&0xf))

/* A snapshot this young answers lookups; a listing of / always takes a new one. */
#define SNAPSHOT_MAX_AGE_MS 1000
#define MAX_WRITE 4096
#define REQUEST_BUFFER (64 * 1024)

struct proc_view {
	int fd;
	proc_view_fetch_fn fetch;
	void *data;
	json_t *snapshot;
	long long fetched_ms;
	uint8_t buf[REQUEST_BUFFER];
};

struct entry {
	const char *name;
	uint64_t node;
};

static const struct entry root_entries[] = {{"stat", NODE_STAT}, {"self", NODE_SELF}};
static const struct entry self_entries[] = {
    {"auxv", NODE_SELF_AUXV}, {"uid_map", NODE_SELF_UID_MAP}, {"gid_map", NODE_SELF_GID_MAP}};
static const struct entry pid_entries[] = {
    {"stat", K_STAT}, {"status", K_STATUS}, {"cmdline", K_CMDLINE}, {"ns", K_NS}};
static const struct entry ns_entries[] = {{"pid", K_NS_PID}};

#define N_ENTRIES(a) (sizeof(a) / sizeof((a)[0]))

struct proc_view *proc_view_new(int fuse_fd, proc_view_fetch_fn fetch, void *data)
{
	struct proc_view *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->fd = fuse_fd;
	v->fetch = fetch;
	v->data = data;
	return v;
}

void proc_view_free(struct proc_view *v)
{
	if (v == NULL)
		return;
	if (v->fd >= 0)
		close(v->fd);
	json_decref(v->snapshot);
	free(v);
}

int proc_view_fd(const struct proc_view *v)
{
	return v->fd;
}

int proc_view_mount_options(const struct proc_view *v, char *buf, size_t size)
{
	int n = snprintf(buf, size, "fd=%d,rootmode=%o,user_id=0,group_id=0,allow_other", v->fd,
	                 S_IFDIR | 0555);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* --- the snapshot --- */

static int refresh(struct proc_view *v, bool force)
{
	cleanup_error hull_error_t err = NULL;
	json_t *snapshot = NULL;

	if (!force && v->snapshot && hull_now_ms() - v->fetched_ms < SNAPSHOT_MAX_AGE_MS)
		return 0;
	if (v->fetch(v->data, &snapshot, &err) < 0) {
		log_debug("the container's /proc: %s", hull_error_str(err));
		return -EIO;
	}
	json_decref(v->snapshot);
	v->snapshot = snapshot;
	v->fetched_ms = hull_now_ms();
	return 0;
}

static json_t *find_process(const struct proc_view *v, long pid)
{
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(v->snapshot, "processes"), i,
	                   p) if (json_integer_value(json_object_get(p, "pid")) == pid) return p;
	return NULL;
}

/* --- nodes --- */

static bool is_pid_name(const char *name)
{
	return name[0] >= '1' && name[0] <= '9' && strlen(name) < 11 &&
	       name[strspn(name, "0123456789")] == '\0';
}

/* The node's file type and permissions; -ENOENT for a process that is not there. */
static int node_mode(const struct proc_view *v, uint64_t node, uint32_t *mode)
{
	switch (node) {
	case NODE_ROOT:
	case NODE_SELF:
		*mode = S_IFDIR | 0555;
		return 0;
	case NODE_STAT:
	case NODE_SELF_AUXV:
	case NODE_SELF_UID_MAP:
	case NODE_SELF_GID_MAP:
		*mode = S_IFREG | 0444;
		return 0;
	}
	if (NODE_PID(node) < 1 || find_process(v, NODE_PID(node)) == NULL)
		return -ENOENT;
	switch (NODE_KIND(node)) {
	case K_DIR:
	case K_NS:
		*mode = S_IFDIR | 0555;
		return 0;
	case K_STAT:
	case K_STATUS:
	case K_CMDLINE:
		*mode = S_IFREG | 0444;
		return 0;
	case K_NS_PID:
		*mode = S_IFLNK | 0777;
		return 0;
	}
	return -ENOENT;
}

/* The entries of directory node (names and nodes), a process's made whole. */
static int dir_entries(const struct proc_view *v, uint64_t node, const struct entry **fixed,
                       size_t *n, uint64_t *pid_base)
{
	uint32_t mode;

	*pid_base = 0;
	if (node == NODE_ROOT) {
		*fixed = root_entries;
		*n = N_ENTRIES(root_entries);
	} else if (node == NODE_SELF) {
		*fixed = self_entries;
		*n = N_ENTRIES(self_entries);
	} else if (node_mode(v, node, &mode) < 0) {
		return -ENOENT;
	} else if (NODE_KIND(node) == K_DIR) {
		*fixed = pid_entries;
		*n = N_ENTRIES(pid_entries);
		*pid_base = PID_NODE(NODE_PID(node), 0);
	} else if (NODE_KIND(node) == K_NS) {
		*fixed = ns_entries;
		*n = N_ENTRIES(ns_entries);
		*pid_base = PID_NODE(NODE_PID(node), 0);
	} else {
		return -ENOTDIR;
	}
	return 0;
}

static int lookup(struct proc_view *v, uint64_t parent, const char *name, uint64_t *node)
{
	const struct entry *fixed;
	uint64_t base;
	size_t n;
	int r;

	if (parent == NODE_ROOT && is_pid_name(name)) {
		long pid = strtol(name, NULL, 10);

		if ((r = refresh(v, false)) < 0)
			return r;
		if (find_process(v, pid) == NULL)
			return -ENOENT;
		*node = PID_NODE(pid, K_DIR);
		return 0;
	}
	if ((r = dir_entries(v, parent, &fixed, &n, &base)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (strcmp(fixed[i].name, name) == 0) {
			*node = base | fixed[i].node;
			return 0;
		}
	return -ENOENT;
}

/*
 * A file's content (or a link's target): a snapshot's text is lent as it
 * is; a decoded cmdline and a /self file are owned, freed by data_release.
 */
struct file_data {
	const char *data;
	size_t len;
	char *owned;
};

static void data_release(struct file_data *d)
{
	free(d->owned);
}

static int lend_text(const char *text, struct file_data *d)
{
	d->data = text ? text : "";
	d->len = strlen(d->data);
	return 0;
}

/* The host's own file of the process reading /self: reader is its pid in ours. */
static int read_own(uint32_t reader, const char *file, struct file_data *d)
{
	cleanup_error hull_error_t err = NULL;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/%s", reader, file);
	if (hull_read_file(path, &d->owned, &d->len, &err) < 0)
		return err->errnum ? -err->errnum : -EIO;
	d->data = d->owned;
	return 0;
}

static int content(const struct proc_view *v, uint64_t node, uint32_t reader, struct file_data *d)
{
	json_t *p;

	*d = (struct file_data){0};
	switch (node) {
	case NODE_STAT:
		return lend_text(json_string_value(json_object_get(v->snapshot, "stat")), d);
	case NODE_SELF_AUXV:
		return read_own(reader, "auxv", d);
	case NODE_SELF_UID_MAP:
		return read_own(reader, "uid_map", d);
	case NODE_SELF_GID_MAP:
		return read_own(reader, "gid_map", d);
	}
	p = find_process(v, NODE_PID(node));
	if (p == NULL)
		return -ENOENT;
	switch (NODE_KIND(node)) {
	case K_STAT:
		return lend_text(json_string_value(json_object_get(p, "stat")), d);
	case K_STATUS:
		return lend_text(json_string_value(json_object_get(p, "status")), d);
	case K_NS_PID:
		return lend_text(json_string_value(json_object_get(p, "pid_ns")), d);
	case K_CMDLINE:
		if (base64_decode(json_string_value(json_object_get(p, "cmdline")),
		                  (uint8_t **)&d->owned, &d->len) < 0)
			return -EIO;
		d->data = d->owned;
		return 0;
	}
	return -EISDIR;
}

/* --- the FUSE protocol --- */

static void reply(struct proc_view *v, uint64_t unique, int error, const void *data, size_t len)
{
	struct fuse_out_header out = {
	    .len = (uint32_t)(sizeof(out) + (error ? 0 : len)), .error = error, .unique = unique};
	struct iovec iov[2] = {{&out, sizeof(out)}, {(void *)data, error ? 0 : len}};

	/* ENOENT: the request was interrupted meanwhile; nothing waits for it. */
	if (writev(v->fd, iov, error || len == 0 ? 1 : 2) < 0 && errno != ENOENT)
		log_debug("the container's /proc: reply: %s", strerror(errno));
}

/* reader: whose /self it is (a file's size is its content's, read now). */
static int fill_attr(const struct proc_view *v, uint64_t node, uint32_t reader, struct fuse_attr *a)
{
	uint32_t mode;
	int r = node_mode(v, node, &mode);
	size_t size = 0;

	if (r < 0)
		return r;
	if (!S_ISDIR(mode)) {
		struct file_data d;

		r = content(v, node, reader, &d);
		size = d.len;
		data_release(&d);
		if (r < 0)
			return r;
	}
	*a = (struct fuse_attr){.ino = node,
	                        .mode = mode,
	                        .size = size,
	                        .nlink = S_ISDIR(mode) ? 2 : 1,
	                        .blksize = 4096,
	                        .atime = (uint64_t)time(NULL),
	                        .mtime = (uint64_t)time(NULL),
	                        .ctime = (uint64_t)time(NULL)};
	return 0;
}

static void do_init(struct proc_view *v, const struct fuse_in_header *in, const void *arg)
{
	const struct fuse_init_in *init = arg;
	struct fuse_init_out out = {
	    .major = FUSE_KERNEL_VERSION,
	    .minor =
	        init->minor < FUSE_KERNEL_MINOR_VERSION ? init->minor : FUSE_KERNEL_MINOR_VERSION,
	    .max_readahead = init->max_readahead,
	    .max_background = 1,
	    .congestion_threshold = 1,
	    .max_write = MAX_WRITE,
	    .time_gran = 1,
	};

	if (init->major != FUSE_KERNEL_VERSION) {
		/* A newer major: say ours, and the kernel asks again. */
		reply(v, in->unique, init->major < FUSE_KERNEL_VERSION ? -EPROTO : 0, &out,
		      sizeof(out.major) + sizeof(out.minor));
		return;
	}
	reply(v, in->unique, 0, &out, sizeof(out));
}

static void do_lookup(struct proc_view *v, const struct fuse_in_header *in, const char *name)
{
	struct fuse_entry_out out = {0};
	uint64_t node = 0;
	int r = lookup(v, in->nodeid, name, &node);

	if (r == 0)
		r = fill_attr(v, node, in->pid, &out.attr);
	out.nodeid = node;
	/* Nothing cached: every look is at the guest's processes of now. */
	reply(v, in->unique, r, &out, sizeof(out));
}

static void do_getattr(struct proc_view *v, const struct fuse_in_header *in)
{
	struct fuse_attr_out out = {0};
	int r = fill_attr(v, in->nodeid, in->pid, &out.attr);

	reply(v, in->unique, r, &out, sizeof(out));
}

static void do_open(struct proc_view *v, const struct fuse_in_header *in, bool dir)
{
	/*
	 * Sizes are the contents' and each open drops what the page cache
	 * held (no FOPEN_KEEP_CACHE): reads see the snapshot of the open's
	 * getattr, and sendfile(2) works (busybox's cat uses it; direct I/O
	 * would give it nothing).
	 */
	struct fuse_open_out out = {0};
	uint32_t mode;
	int r = node_mode(v, in->nodeid, &mode);

	if (r == 0 && dir && in->nodeid == NODE_ROOT)
		r = refresh(v, true);
	else if (r == 0 && (S_ISDIR(mode) != dir))
		r = dir ? -ENOTDIR : -EISDIR;
	reply(v, in->unique, r, &out, sizeof(out));
}

static void do_read(struct proc_view *v, const struct fuse_in_header *in,
                    const struct fuse_read_in *rd, bool link)
{
	struct file_data d;
	int r = content(v, in->nodeid, in->pid, &d);

	if (r < 0)
		reply(v, in->unique, r, NULL, 0);
	else if (link)
		reply(v, in->unique, 0, d.data, d.len);
	else if (rd->offset >= d.len)
		reply(v, in->unique, 0, NULL, 0);
	else
		reply(v, in->unique, 0, d.data + rd->offset,
		      d.len - rd->offset < rd->size ? d.len - rd->offset : rd->size);
	data_release(&d);
}

/* Appends one dirent at *used; false when it does not fit. */
static bool add_dirent(uint8_t *buf, size_t size, size_t *used, uint64_t ino, uint64_t next,
                       const char *name, uint32_t mode)
{
	size_t namelen = strlen(name), rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
	struct fuse_dirent *d = (struct fuse_dirent *)(buf + *used);

	if (*used + rec > size)
		return false;
	memset(d, 0, rec);
	d->ino = ino;
	d->off = next;
	d->namelen = (uint32_t)namelen;
	d->type = S_ISDIR(mode) ? DT_DIR : S_ISLNK(mode) ? DT_LNK : DT_REG;
	memcpy(d->name, name, namelen);
	*used += rec;
	return true;
}

static void do_readdir(struct proc_view *v, const struct fuse_in_header *in,
                       const struct fuse_read_in *rd)
{
	const struct entry *fixed;
	json_t *processes = json_object_get(v->snapshot, "processes");
	size_t n, used = 0, size = rd->size < MAX_WRITE * 4 ? rd->size : MAX_WRITE * 4;
	size_t n_pids = in->nodeid == NODE_ROOT ? json_array_size(processes) : 0;
	uint8_t out[MAX_WRITE * 4];
	uint64_t base;
	int r = dir_entries(v, in->nodeid, &fixed, &n, &base);

	if (r < 0) {
		reply(v, in->unique, r, NULL, 0);
		return;
	}
	/* Offsets: 0 ".", 1 "..", then the fixed entries, then the processes. */
	for (uint64_t at = rd->offset; at < 2 + n + n_pids; at++) {
		char name[24];
		uint64_t node;
		uint32_t mode = S_IFDIR;

		if (at < 2) {
			snprintf(name, sizeof(name), "%s", at == 0 ? "." : "..");
			node = in->nodeid;
		} else if (at < 2 + n) {
			snprintf(name, sizeof(name), "%s", fixed[at - 2].name);
			node = base | fixed[at - 2].node;
			node_mode(v, node, &mode);
		} else {
			json_int_t pid = json_integer_value(
			    json_object_get(json_array_get(processes, at - 2 - n), "pid"));

			snprintf(name, sizeof(name), "%lld", (long long)pid);
			node = PID_NODE(pid, K_DIR);
		}
		if (!add_dirent(out, size, &used, node, at + 1, name, mode))
			break;
	}
	reply(v, in->unique, 0, out, used);
}

static void handle(struct proc_view *v, const struct fuse_in_header *in, const void *arg)
{
	switch (in->opcode) {
	case FUSE_INIT:
		do_init(v, in, arg);
		break;
	case FUSE_LOOKUP:
		do_lookup(v, in, arg);
		break;
	case FUSE_GETATTR:
		do_getattr(v, in);
		break;
	case FUSE_OPEN:
	case FUSE_OPENDIR:
		do_open(v, in, in->opcode == FUSE_OPENDIR);
		break;
	case FUSE_READ:
		do_read(v, in, arg, false);
		break;
	case FUSE_READLINK:
		do_read(v, in, NULL, true);
		break;
	case FUSE_READDIR:
		do_readdir(v, in, arg);
		break;
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_FLUSH:
	case FUSE_DESTROY:
		reply(v, in->unique, 0, NULL, 0);
		break;
	case FUSE_STATFS: {
		struct fuse_statfs_out out = {.st = {.bsize = 4096, .namelen = 255}};

		reply(v, in->unique, 0, &out, sizeof(out));
		break;
	}
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break; /* no reply */
	default:
		reply(v, in->unique, -ENOSYS, NULL, 0);
	}
}

int proc_view_serve(struct proc_view *v)
{
	for (;;) {
		ssize_t n = read(v->fd, v->buf, sizeof(v->buf));
		const struct fuse_in_header *in = (const void *)v->buf;

		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue; /* ENOENT: a request interrupted before we read it */
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -1; /* ENODEV: unmounted */
		if ((size_t)n < sizeof(*in) || in->len > (size_t)n)
			continue;
		/* A name (LOOKUP) must end inside the request. */
		v->buf[n < (ssize_t)sizeof(v->buf) ? n : (ssize_t)sizeof(v->buf) - 1] = '\0';
		handle(v, in, v->buf + sizeof(*in));
	}
}
