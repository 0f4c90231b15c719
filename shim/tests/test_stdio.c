/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A task's stdio (shim/stdio.c) on real FIFOs, files and ptys: stdin
 * opened before containerd's writer and held open by the keeper, outputs
 * that never wait for a reader, the pty master hull sends to the console
 * socket (runtime/console.c's console_open is the sender), and the relay
 * between that terminal and the FIFOs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/console.h"
#include "shim/stdio.h"
#include "shim/tests/helpers_shim.h"

static int setup(void **state)
{
	*state = shim_test_dir("stdio");
	return 0;
}

static int teardown(void **state)
{
	shim_test_dir_remove(*state);
	return 0;
}

/* A FIFO DIR/NAME, its path malloc'd. */
static char *make_fifo(const char *dir, const char *name)
{
	char *path = shim_test_path(dir, name);

	assert_int_equal(mkfifo(path, 0600), 0);
	return path;
}

static void assert_closed(int fd)
{
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
}

/* Reads what fd has within a few seconds (at least one byte) into buf, NUL-terminated. */
static size_t read_some(int fd, char *buf, size_t size)
{
	assert_true(shim_test_poll(fd, 5000) & POLLIN);
	ssize_t n = read(fd, buf, size - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	return (size_t)n;
}

static void stdin_fifo_opens_before_writer_and_keeper_holds_off_eof(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char *path = make_fifo(*state, "stdin");
	int fd, keeper, writer;
	char buf[16];

	shim_test_deadline(10, "shim_open_stdin on a FIFO with no writer");
	assert_int_equal(shim_open_stdin(path, &fd, &keeper, &err), 0);
	shim_test_deadline(0, NULL);
	assert_true(fd >= 0);
	assert_true(keeper >= 0);
	/* The process reads it blocking. */
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);

	/* containerd's writer comes, writes and goes. */
	writer = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(writer >= 0);
	assert_int_equal(write(writer, "abc", 3), 3);
	close(writer);
	assert_int_equal(read_some(fd, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
	/* No end of file while the shim keeps its write end. */
	assert_int_equal(shim_test_poll(fd, 200), 0);

	close(keeper); /* CloseIO */
	assert_true(shim_test_poll(fd, 5000) & POLLHUP);
	assert_int_equal(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	free(path);
}

static void stdin_file_uri_has_no_keeper(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char *path = shim_test_path(*state, "in.txt");
	char *uri = NULL;
	int fd, keeper;
	char buf[16];

	shim_test_write(path, "typed\n");
	assert_true(asprintf(&uri, "file://%s", path) > 0);
	assert_int_equal(shim_open_stdin(uri, &fd, &keeper, &err), 0);
	assert_int_equal(keeper, -1);
	assert_int_equal(read(fd, buf, sizeof(buf)), 6);
	assert_int_equal(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	free(uri);
	free(path);
}

static void stdin_none_missing_and_other_schemes(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char *missing = shim_test_path(*state, "no-such-fifo");
	int fd = 7, keeper = 7;

	assert_int_equal(shim_open_stdin("", &fd, &keeper, &err), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(keeper, -1);
	assert_null(err);

	fd = keeper = 7;
	assert_int_equal(shim_open_stdin(missing, &fd, &keeper, &err), -1);
	assert_int_equal(fd, -1);
	assert_int_equal(keeper, -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->msg, missing));
	hull_error_release(&err);

	assert_int_equal(shim_open_stdin("binary://x", &fd, &keeper, &err), -1);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err->msg, "binary://x"));
	free(missing);
}

static void output_fifo_with_reader_gets_the_bytes(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char *path = make_fifo(*state, "stdout");
	int reader = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), fd;
	char buf[16];

	assert_true(reader >= 0);
	assert_int_equal(shim_open_output(path, &fd, &err), 0);
	assert_int_equal(write(fd, "xyz", 3), 3);
	assert_int_equal(read_some(reader, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "xyz");
	close(fd);
	close(reader);
	free(path);
}

static void output_fifo_without_reader_does_not_block(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char *path = make_fifo(*state, "stderr");
	int fd, reader;
	char buf[16];

	shim_test_deadline(10, "shim_open_output on a FIFO with no reader");
	assert_int_equal(shim_open_output(path, &fd, &err), 0);
	/* Nor does writing, nor is it SIGPIPE: the bytes wait for the reader. */
	assert_int_equal(write(fd, "early", 5), 5);
	shim_test_deadline(0, NULL);
	reader = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(reader >= 0);
	assert_int_equal(read_some(reader, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "early");
	close(fd);
	close(reader);
	free(path);
}

static void output_file_uri_creates_and_appends(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char *path = shim_test_path(*state, "out");
	char *uri = NULL, *text;
	int fd;

	assert_true(asprintf(&uri, "file://%s", path) > 0);
	assert_int_equal(access(path, F_OK), -1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(shim_open_output(uri, &fd, &err), 0);
		assert_int_equal(write(fd, i ? "two\n" : "one\n", 4), 4);
		close(fd);
	}
	text = shim_test_read(path);
	assert_string_equal(text, "one\ntwo\n");
	free(text);
	free(uri);
	free(path);
}

static void output_plain_path_appends(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char *path = shim_test_path(*state, "log");
	char *text;
	int fd;

	shim_test_write(path, "old\n");
	assert_int_equal(shim_open_output(path, &fd, &err), 0);
	assert_int_equal(write(fd, "new\n", 4), 4);
	close(fd);
	text = shim_test_read(path);
	assert_string_equal(text, "old\nnew\n");
	free(text);
	free(path);
}

static void output_none_and_other_schemes(void **state)
{
	cleanup_error hull_error_t err = NULL;
	int fd = 7;

	(void)state;
	assert_int_equal(shim_open_output("", &fd, &err), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(shim_open_output("binary:///usr/bin/logger?x=1", &fd, &err), -1);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err->msg, "binary:///usr/bin/logger?x=1"));
}

static void console_receives_the_master_hull_sends(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char *path = shim_test_path(*state, "tty1.sock");
	int listen_fd, slave, master;
	char buf[16];

	/* A stale file at the path (a shim that died) is replaced. */
	shim_test_write(path, "stale");
	assert_int_equal(shim_console_listen(path, &listen_fd, &err), 0);
	/* hull's side: a new pty, its master sent over the socket. */
	assert_int_equal(console_open(path, &slave, &err), 0);
	assert_int_equal(shim_console_receive(listen_fd, &master, &err), 0);
	assert_true(fcntl(master, F_GETFD) & FD_CLOEXEC);

	/* It is that pty's master: bytes go both ways (hull's slave is raw). */
	assert_int_equal(write(master, "ping", 4), 4);
	assert_int_equal(read_some(slave, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "ping");
	assert_int_equal(write(slave, "pong", 4), 4);
	assert_int_equal(read_some(master, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "pong");

	close(master);
	close(slave);
	close(listen_fd);
	free(path);
}

static void console_without_a_terminal_is_refused(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char *path = shim_test_path(*state, "tty2.sock");
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int listen_fd, master = -1, client;

	assert_int_equal(shim_console_listen(path, &listen_fd, &err), 0);
	/* Nobody has connected: no waiting, an error. */
	shim_test_deadline(10, "shim_console_receive with nothing sent");
	assert_int_equal(shim_console_receive(listen_fd, &master, &err), -1);
	shim_test_deadline(0, NULL);
	assert_string_equal(err->msg, "console socket: hull sent no terminal");
	hull_error_release(&err);

	/* A connection whose message carries no descriptor. */
	strcpy(addr.sun_path, path);
	client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(client, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(write(client, "x", 1), 1);
	assert_int_equal(shim_console_receive(listen_fd, &master, &err), -1);
	assert_string_equal(err->msg, "console socket: no terminal in the message");
	assert_int_equal(master, -1);
	close(client);
	close(listen_fd);
	free(path);
}

static void console_path_too_long_is_named(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	int fd = -1;

	snprintf(path, sizeof(path), "%s/", (char *)*state);
	memset(path + strlen(path), 'x', sizeof(path) - strlen(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(shim_console_listen(path, &fd, &err), -1);
	assert_int_equal(err->errnum, ENAMETOOLONG);
	assert_non_null(strstr(err->msg, path));
	assert_int_equal(fd, -1);
}

/* A pty as a container's terminal: *slave canonical, without echo. */
static void open_pty(int *master, int *slave)
{
	struct termios t;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(*master >= 0);
	assert_int_equal(grantpt(*master), 0);
	assert_int_equal(unlockpt(*master), 0);
	*slave = open(ptsname(*master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(*slave >= 0);
	assert_int_equal(tcgetattr(*slave, &t), 0);
	t.c_lflag |= ICANON;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	assert_int_equal(tcsetattr(*slave, TCSANOW, &t), 0);
}

static void relay_stdin_reaches_the_terminal_then_its_eof(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct shim_console_relay relay;
	char *path = make_fifo(*state, "tty-stdin");
	int master, slave, in, keeper, writer;
	char buf[32];

	open_pty(&master, &slave);
	assert_int_equal(shim_open_stdin(path, &in, &keeper, &err), 0);
	shim_test_deadline(30, "the console relay's stdin");
	assert_int_equal(shim_console_relay_start(&relay, master, in, -1, &err), 0);

	writer = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(writer >= 0);
	assert_int_equal(write(writer, "hello\n", 6), 6);
	assert_int_equal(read_some(slave, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "hello\n");
	close(writer);
	/* The writer has gone but the keeper holds stdin open: no EOF yet. */
	assert_int_equal(shim_test_poll(slave, 200), 0);

	close(keeper);
	/* The terminal's EOF character: a canonical read at a line's start returns 0. */
	assert_true(shim_test_poll(slave, 5000) & POLLIN);
	assert_int_equal(read(slave, buf, sizeof(buf)), 0);

	close(slave); /* the process exits */
	shim_console_relay_stop(&relay);
	shim_test_deadline(0, NULL);
	assert_int_equal(relay.master, -1);
	assert_closed(master);
	assert_closed(in);
	free(path);
}

static void relay_output_reaches_stdout_and_ends_with_the_process(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct shim_console_relay relay;
	char *path = make_fifo(*state, "tty-stdout");
	int reader = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int master, slave, out;
	char buf[32];

	assert_true(reader >= 0);
	open_pty(&master, &slave);
	assert_int_equal(shim_open_output(path, &out, &err), 0);
	shim_test_deadline(30, "the console relay's stdout");
	assert_int_equal(shim_console_relay_start(&relay, master, -1, out, &err), 0);

	assert_int_equal(write(slave, "world\n", 6), 6);
	read_some(reader, buf, sizeof(buf));
	assert_string_equal(buf, "world\r\n"); /* the terminal's ONLCR */

	/*
	 * The process's side closes: the relay closes stdout itself, so that
	 * containerd's reader sees the end of the output now.
	 */
	close(slave);
	assert_true(shim_test_poll(reader, 5000) & POLLHUP);
	assert_int_equal(read(reader, buf, sizeof(buf)), 0);

	shim_console_relay_stop(&relay);
	shim_test_deadline(0, NULL);
	assert_int_equal(relay.out, -1);
	assert_closed(master);
	assert_closed(out);
	close(reader);
	free(path);
}

static void relay_stops_with_stdin_still_open(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct shim_console_relay relay;
	char *path = make_fifo(*state, "tty-stdin-open");
	int master, slave, in, keeper;

	open_pty(&master, &slave);
	assert_int_equal(shim_open_stdin(path, &in, &keeper, &err), 0);
	shim_test_deadline(30, "shim_console_relay_stop with stdin open");
	assert_int_equal(shim_console_relay_start(&relay, master, in, -1, &err), 0);
	/* The process exits while containerd still holds stdin open (the keeper). */
	close(slave);
	shim_console_relay_stop(&relay);
	shim_test_deadline(0, NULL);
	assert_closed(master);
	assert_closed(in);
	close(keeper);
	free(path);
}

static void relay_resize_is_the_terminals_size(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct shim_console_relay relay;
	struct winsize ws;
	int master, slave;

	(void)state;
	open_pty(&master, &slave);
	shim_test_deadline(30, "the console relay");
	assert_int_equal(shim_console_relay_start(&relay, master, -1, -1, &err), 0);
	assert_int_equal(shim_console_resize(&relay, 132, 43, &err), 0);
	assert_int_equal(ioctl(slave, TIOCGWINSZ, &ws), 0);
	assert_int_equal(ws.ws_col, 132);
	assert_int_equal(ws.ws_row, 43);
	close(slave);
	shim_console_relay_stop(&relay);
	shim_test_deadline(0, NULL);
}

static void resize_of_a_non_terminal_is_named(void **state)
{
	cleanup_error hull_error_t err = NULL;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	struct shim_console_relay relay = {.master = fds[0]};
	assert_int_equal(shim_console_resize(&relay, 80, 24, &err), -1);
	assert_int_equal(err->errnum, ENOTTY);
	assert_string_equal(err->msg, "resize terminal to 80x24");
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(stdin_fifo_opens_before_writer_and_keeper_holds_off_eof,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(stdin_file_uri_has_no_keeper, setup, teardown),
	    cmocka_unit_test_setup_teardown(stdin_none_missing_and_other_schemes, setup, teardown),
	    cmocka_unit_test_setup_teardown(output_fifo_with_reader_gets_the_bytes, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(output_fifo_without_reader_does_not_block, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(output_file_uri_creates_and_appends, setup, teardown),
	    cmocka_unit_test_setup_teardown(output_plain_path_appends, setup, teardown),
	    cmocka_unit_test_setup_teardown(output_none_and_other_schemes, setup, teardown),
	    cmocka_unit_test_setup_teardown(console_receives_the_master_hull_sends, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(console_without_a_terminal_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(console_path_too_long_is_named, setup, teardown),
	    cmocka_unit_test_setup_teardown(relay_stdin_reaches_the_terminal_then_its_eof, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(relay_output_reaches_stdout_and_ends_with_the_process,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(relay_stops_with_stdin_still_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(relay_resize_is_the_terminals_size, setup, teardown),
	    cmocka_unit_test_setup_teardown(resize_of_a_non_terminal_is_named, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
