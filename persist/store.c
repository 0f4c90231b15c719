/* SPDX-License-Identifier: Apache-2.0 */
#include "persist/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/write_all.h"
#include "common/log.h"
#include "common/proc_identity.h"
#include "common/read_file.h"
#include "persist/id.h"

#define STATE_FILE "state.json"
#define LOCK_FILE "state.lock"
/*
 * A sandbox directory being made, creating:<creator pid>-<its start
 * time>-XXXXXX: the ':' keeps it apart from every id.
 */
#define CREATING_PREFIX "creating:"
/* A state file is a few KiB; anything this large is not one. */
#define STATE_FILE_MAX (64u << 20)

static int sandbox_path(const char *root, const char *id, const char *leaf, char *out, size_t size,
                        hull_error_t *err)
{
	int n;

	if (hull_id_validate(id, err) < 0)
		return -1;
	if (root == NULL || root[0] == '\0')
		return hull_fail(err, 0, "state root must not be empty");
	n = leaf ? snprintf(out, size, "%s/%s/%s", root, id, leaf)
	         : snprintf(out, size, "%s/%s", root, id);
	if (n < 0 || (size_t)n >= size)
		return hull_fail(err, ENAMETOOLONG, "state path under %s", root);
	return 0;
}

static int not_found(hull_error_t *err, const char *id)
{
	return hull_fail(err, 0, "container %s does not exist", id);
}

static int mkdir_p(const char *path, mode_t mode, hull_error_t *err)
{
	char buf[PATH_MAX];
	size_t i, len = strlen(path);

	if (len >= sizeof(buf))
		return hull_fail(err, ENAMETOOLONG, "create %s", path);
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return hull_fail(err, errno, "create %s", buf);
		buf[i] = path[i];
	}
	return 0;
}

int hull_store_write_file(const char *dir, const char *name, const char *text, hull_error_t *err)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	cleanup_close int fd = -1;
	cleanup_close int dfd = -1;
	int saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= sizeof(tmp) ||
	    (size_t)snprintf(final, sizeof(final), "%s/%s", dir, name) >= sizeof(final))
		return hull_fail(err, ENAMETOOLONG, "path of %s under %s", name, dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return hull_fail(err, errno, "create a temporary file in %s", dir);
	if (fchmod(fd, 0600) < 0) {
		hull_fail(err, errno, "chmod %s", tmp);
		goto fail;
	}
	if (!hull_write_all(fd, text, strlen(text))) {
		hull_fail(err, errno, "write %s", tmp);
		goto fail;
	}
	if (fsync(fd) < 0) {
		hull_fail(err, errno, "fsync %s", tmp);
		goto fail;
	}
	if (close(steal_fd(&fd)) < 0) {
		hull_fail(err, errno, "close %s", tmp);
		goto fail;
	}
	if (rename(tmp, final) < 0) {
		hull_fail(err, errno, "rename %s to %s", tmp, final);
		goto fail;
	}
	/*
	 * The new state is in place and visible; syncing the directory makes
	 * the rename itself survive a power cut.  If that fails the save has
	 * still happened, so it is reported, not undone.
	 */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		log_warning("fsync %s: %s (%s is saved but may not survive a crash)", dir,
		            strerror(errno), name);
	return 0;
fail:
	saved = errno;
	unlink(tmp);
	errno = saved;
	return -1;
}

static int save_into(const char *dir, const struct hull_sandbox_state *st, hull_error_t *err)
{
	cleanup_free char *text = hull_state_dump(st, err);

	if (text == NULL)
		return -1;
	return hull_store_write_file(dir, STATE_FILE, text, err);
}

int hull_state_save(const char *root, const struct hull_sandbox_state *st, hull_error_t *err)
{
	char dir[PATH_MAX];
	struct stat sb;

	if (sandbox_path(root, st->sandbox.id, NULL, dir, sizeof(dir), err) < 0)
		return hull_error_prefix(err, "save state");
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		not_found(err, st->sandbox.id);
		return hull_error_prefix(err, "save state");
	}
	if (save_into(dir, st, err) < 0)
		return hull_error_prefix(err, "save state of %s", st->sandbox.id);
	return 0;
}

static int remove_tree_at(int parent, const char *name, dev_t dev, hull_error_t *err);

/*
 * Whether <root>/<name>, a creator's temporary directory, was abandoned:
 * its name holds its creator's pid and start time, and that process is
 * gone (a live creator's directory is never taken from under it).
 */
static bool abandoned(const char *name)
{
	unsigned long long start_time;
	int pid;

	if (sscanf(name, CREATING_PREFIX "%d-%llu-", &pid, &start_time) != 2)
		return false;
	return proc_start_time(pid) != start_time;
}

/* Removes what creators that died before their rename left in root. */
static void sweep_abandoned(int root_fd, dev_t dev)
{
	int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, CREATING_PREFIX, strlen(CREATING_PREFIX)) == 0 &&
		    abandoned(de->d_name) && remove_tree_at(root_fd, de->d_name, dev, NULL) == 0)
			log_debug("removed %s, left by a creator that died", de->d_name);
	}
	closedir(dir);
}

/* Whether <root>/<id>/state.json is missing from a directory that is there. */
static bool incomplete_at(int root_fd, const char *id)
{
	char leaf[HULL_ID_MAX + sizeof("/" STATE_FILE)];
	struct stat sb;

	snprintf(leaf, sizeof(leaf), "%s/" STATE_FILE, id);
	return fstatat(root_fd, id, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode) &&
	       fstatat(root_fd, leaf, &sb, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

/* hull_state_clear_incomplete() in root, already open as root_fd (on device dev). */
static int clear_incomplete_at(const char *root, int root_fd, dev_t dev, const char *id,
                               hull_error_t *err)
{
	char dir[PATH_MAX];
	cleanup_error hull_error_t lock_err = NULL;
	int lock_fd, rc;

	if (sandbox_path(root, id, NULL, dir, sizeof(dir), err) < 0)
		return -1;
	if (!incomplete_at(root_fd, id))
		return 0;
	/* Under the lock: a remove in progress finishes first. */
	lock_fd = hull_state_lock(root, id, &lock_err);
	if (lock_fd < 0 || !incomplete_at(root_fd, id)) {
		hull_state_unlock(lock_fd);
		return 0;
	}
	rc = remove_tree_at(root_fd, id, dev, err);
	hull_state_unlock(lock_fd);
	if (rc < 0)
		return hull_error_prefix(err, "remove incomplete %s", dir);
	log_info("removed %s: it had no state.json (an interrupted create or delete)", dir);
	return 1;
}

int hull_state_clear_incomplete(const char *root, const char *id, hull_error_t *err)
{
	char dir[PATH_MAX];
	cleanup_close int root_fd = -1;
	struct stat sb;

	if (sandbox_path(root, id, NULL, dir, sizeof(dir), err) < 0)
		return -1;
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (root_fd < 0 || fstat(root_fd, &sb) < 0)
		return hull_fail(err, errno, "open %s", root);
	return clear_incomplete_at(root, root_fd, sb.st_dev, id, err);
}

/* Renames <root>/<tmp> to <root>/<id> unless something is there. */
static int rename_into_place(int root_fd, const char *tmp, const char *id)
{
	if (renameat2(root_fd, tmp, root_fd, id, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/*
	 * A filesystem without RENAME_NOREPLACE: a plain rename replaces only
	 * an empty directory, and a sandbox's never is (state.json).
	 */
	if (renameat(root_fd, tmp, root_fd, id) == 0)
		return 0;
	if (errno == ENOTEMPTY)
		errno = EEXIST;
	return -1;
}

int hull_state_create_locked(const char *root, const struct hull_sandbox_state *st,
                             hull_error_t *err)
{
	const char *id = st->sandbox.id;
	char dir[PATH_MAX], tmp[PATH_MAX], lock[PATH_MAX + sizeof("/" LOCK_FILE)];
	cleanup_close int root_fd = -1;
	cleanup_close int lock_fd = -1;
	struct stat sb;
	const char *name;
	int attempt, r = 0;

	if (sandbox_path(root, id, NULL, dir, sizeof(dir), err) < 0 ||
	    hull_id_fits(root, id, err) < 0 || mkdir_p(root, 0700, err) < 0)
		return hull_error_prefix(err, "create state");
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0 || fstat(root_fd, &sb) < 0)
		return hull_fail(err, errno, "create state: open %s", root);
	sweep_abandoned(root_fd, sb.st_dev);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/" CREATING_PREFIX "%d-%llu-XXXXXX", root,
	                     (int)getpid(),
	                     (unsigned long long)proc_start_time(getpid())) >= sizeof(tmp))
		return hull_fail(err, ENAMETOOLONG, "create state: path under %s", root);
	if (mkdtemp(tmp) == NULL)
		return hull_fail(err, errno, "create state: create a directory in %s", root);
	name = tmp + strlen(root) + 1;
	/*
	 * The whole sandbox directory is made under a name no id can have,
	 * then renamed into place with its state.json inside: a crash at any
	 * point leaves either no <root>/<id> or a whole one.
	 */
	snprintf(lock, sizeof(lock), "%s/" LOCK_FILE, tmp);
	lock_fd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0) {
		hull_fail(err, errno, "create %s", lock);
		goto fail;
	}
	if (save_into(tmp, st, err) < 0)
		goto fail;
	for (attempt = 0; rename_into_place(root_fd, name, id) < 0; attempt++) {
		if (errno != EEXIST) {
			hull_fail(err, errno, "rename %s to %s", tmp, dir);
			goto fail;
		}
		/* What an interrupted create or delete left may go; a sandbox may not. */
		if (attempt > 0 ||
		    (r = clear_incomplete_at(root, root_fd, sb.st_dev, id, err)) == 0) {
			hull_fail(err, 0, "container %s already exists", id);
			goto fail_quiet;
		}
		if (r < 0)
			goto fail;
	}
	if (fsync(root_fd) < 0)
		log_warning("fsync %s: %s (%s is created but may not survive a crash)", root,
		            strerror(errno), id);
	return steal_fd(&lock_fd);
fail:
	hull_error_prefix(err, "create state of %s", id);
fail_quiet:
	remove_tree_at(root_fd, name, sb.st_dev, NULL);
	return -1;
}

int hull_state_create(const char *root, const struct hull_sandbox_state *st, hull_error_t *err)
{
	int lock_fd = hull_state_create_locked(root, st, err);

	hull_state_unlock(lock_fd);
	return lock_fd < 0 ? -1 : 0;
}

int hull_state_load(const char *root, const char *id, struct hull_sandbox_state *st,
                    hull_error_t *err)
{
	char path[PATH_MAX];
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0;

	hull_state_free(st);
	if (sandbox_path(root, id, STATE_FILE, path, sizeof(path), err) < 0)
		return hull_error_prefix(err, "load state");
	/* O_NONBLOCK: a FIFO planted as state.json must not block; hull_read_fd() refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		struct stat sb;

		path[strlen(path) - sizeof(STATE_FILE)] = '\0';
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			return hull_fail(err, 0,
			                 "container %s is incomplete: %s has no " STATE_FILE
			                 " (a create or delete of it was interrupted); hull delete "
			                 "%s removes it",
			                 id, path, id);
	}
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return not_found(err, id);
	if (fd < 0)
		return hull_fail(err, errno, "open %s", path);
	if (hull_read_fd(fd, path, STATE_FILE_MAX, &buf, &len, err) < 0)
		return -1;
	if (hull_state_parse(buf, len, st, err) < 0)
		return hull_error_prefix(err, "%s", path);
	if (strcmp(st->sandbox.id, id) != 0) {
		hull_fail(err, 0, "%s: sandbox.id: \"%s\" is not the directory's id \"%s\"", path,
		          st->sandbox.id, id);
		hull_state_free(st);
		return -1;
	}
	return 0;
}

int hull_state_lock(const char *root, const char *id, hull_error_t *err)
{
	char path[PATH_MAX];
	cleanup_close int fd = -1;
	struct stat sb;

	if (sandbox_path(root, id, LOCK_FILE, path, sizeof(path), err) < 0)
		return hull_error_prefix(err, "lock state");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return not_found(err, id);
	if (fd < 0)
		return hull_fail(err, errno, "open %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return hull_fail(err, errno, "lock %s", path);
	}
	/* hull_state_remove() unlinks the lock while holding it: we waited for a ghost. */
	if (fstat(fd, &sb) < 0)
		return hull_fail(err, errno, "stat %s", path);
	if (sb.st_nlink == 0)
		return not_found(err, id);
	return steal_fd(&fd);
}

void hull_state_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd); /* releases the flock */
}

int hull_state_update(const char *root, const char *id, hull_state_update_fn fn, void *userdata,
                      hull_error_t *err)
{
	struct hull_sandbox_state st;
	int lock_fd, rc;

	hull_state_init(&st);
	lock_fd = hull_state_lock(root, id, err);
	if (lock_fd < 0)
		return -1;
	rc = hull_state_load(root, id, &st, err);
	if (rc == 0)
		rc = fn(&st, userdata, err);
	if (rc == 0)
		rc = hull_state_save(root, &st, err);
	hull_state_free(&st);
	hull_state_unlock(lock_fd);
	return rc < 0 ? -1 : 0;
}

static int put_endpoint(struct hull_sandbox_state *st, void *ep, hull_error_t *err)
{
	return hull_state_put_endpoint(st, ep, err);
}

int hull_state_record_endpoint(void *ref, const struct hull_endpoint *ep, hull_error_t *err)
{
	const struct hull_state_ref *r = ref;

	return hull_state_update(r->root, r->id, put_endpoint, (void *)ep, err);
}

/*
 * rm -r of parent/name without following symlinks or crossing into
 * another filesystem (a mount left inside a sandbox directory is a bug to
 * report, not something to empty).
 */
static int remove_tree_at(int parent, const char *name, dev_t dev, hull_error_t *err)
{
	struct stat sb;
	struct dirent *de;
	DIR *dir;
	int fd, rc = 0;

	if (fstatat(parent, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : hull_fail(err, errno, "stat %s", name);
	if (!S_ISDIR(sb.st_mode)) {
		if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
			return hull_fail(err, errno, "remove %s", name);
		return 0;
	}
	if (sb.st_dev != dev)
		return hull_fail(err, 0, "remove %s: a filesystem is mounted there", name);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_fail(err, errno, "open %s", name);
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return hull_fail(err, errno, "open %s", name);
	}
	while (rc == 0 && (errno = 0, de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = remove_tree_at(dirfd(dir), de->d_name, dev, err);
	}
	closedir(dir);
	if (rc < 0)
		return hull_error_prefix(err, "%s", name);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return hull_fail(err, errno, "remove %s", name);
	return 0;
}

/* hull_state_remove(), with the lock already held (held_fd >= 0) or taken here. */
static int remove_sandbox(const char *root, const char *id, int held_fd, hull_error_t *err)
{
	char dir[PATH_MAX], leaf[HULL_ID_MAX + sizeof("/" STATE_FILE)];
	cleanup_close int root_fd = -1;
	cleanup_close int lock_fd = held_fd;
	cleanup_error hull_error_t lock_err = NULL;
	struct stat sb;

	if (sandbox_path(root, id, NULL, dir, sizeof(dir), err) < 0)
		return hull_error_prefix(err, "remove state");
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0 && errno == ENOENT)
		return 0;
	if (root_fd < 0 || fstat(root_fd, &sb) < 0)
		return hull_fail(err, errno, "remove state: open %s", root);
	if (fstatat(root_fd, id, &(struct stat){0}, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return 0;
	/* Wait for a save in progress; a missing lock file is fine (a half-made sandbox). */
	if (lock_fd < 0)
		lock_fd = hull_state_lock(root, id, &lock_err);
	/*
	 * state.json goes first: whatever stops the removal half-way leaves a
	 * directory that is incomplete (listed, cleared by the next delete or
	 * create), never one whose state still looks alive.
	 */
	snprintf(leaf, sizeof(leaf), "%s/" STATE_FILE, id);
	unlinkat(root_fd, leaf, 0);
	if (remove_tree_at(root_fd, id, sb.st_dev, err) < 0)
		return hull_error_prefix(err, "remove state of %s: %s", id, root);
	return 0;
}

int hull_state_remove(const char *root, const char *id, hull_error_t *err)
{
	return remove_sandbox(root, id, -1, err);
}

int hull_state_remove_locked(const char *root, const char *id, int lock_fd, hull_error_t *err)
{
	return remove_sandbox(root, id, lock_fd, err);
}

static int compare_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void hull_state_list_free(char **ids)
{
	char **p;

	if (ids == NULL)
		return;
	for (p = ids; *p; p++)
		free(*p);
	free(ids);
}

int hull_state_list(const char *root, char ***ids, size_t *n, hull_error_t *err)
{
	DIR *dir;
	struct dirent *de;
	char **list = NULL;
	size_t count = 0, cap = 0;

	*ids = NULL;
	*n = 0;
	dir = opendir(root);
	if (dir == NULL && errno != ENOENT)
		return hull_fail(err, errno, "list %s", root);
	while (dir != NULL && (errno = 0, de = readdir(dir)) != NULL) {
		struct stat sb;

		if (!hull_id_is_valid(de->d_name))
			continue;
		if (fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(sb.st_mode))
			continue;
		if (count + 2 > cap) {
			char **grown = reallocarray(list, cap ? cap * 2 : 16, sizeof(*list));

			if (grown == NULL)
				goto oom;
			list = grown;
			cap = cap ? cap * 2 : 16;
		}
		list[count] = strdup(de->d_name);
		if (list[count] == NULL)
			goto oom;
		list[++count] = NULL;
	}
	if (dir != NULL && errno != 0) {
		hull_fail(err, errno, "list %s", root);
		goto fail;
	}
	if (dir != NULL)
		closedir(dir);
	if (list == NULL)
		list = calloc(1, sizeof(*list));
	if (list == NULL)
		return hull_fail(err, ENOMEM, "list %s", root);
	qsort(list, count, sizeof(*list), compare_ids);
	*ids = list;
	*n = count;
	return 0;
oom:
	hull_fail(err, ENOMEM, "list %s", root);
fail:
	if (list != NULL)
		list[count] = NULL;
	hull_state_list_free(list);
	closedir(dir);
	return -1;
}
