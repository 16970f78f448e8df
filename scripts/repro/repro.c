/* fsdax-audit repro: the guest's user program (built with gcc -static on the host).
 * Every line it prints starts with "REPRO: " so the host's verdict parser can tell it
 * from kernel messages on the same serial console.
 *
 *   repro poison FILE read|write [THEN] map FILE MAP_SHARED, fault page 0, then
 *                                       madvise(MADV_HWPOISON) it in a forked child;
 *                                       then the same on the single-owner file THEN
 *   repro odirect FILE BLOCKDEV SECS    read-fault FILE, O_DIRECT write from that
 *                                       buffer to BLOCKDEV (FOLL_PIN, read-only) in a child
 *   repro vmreadv FILE read|cow SECS    a child maps FILE (cow: write-fault then
 *                                       mprotect(PROT_READ)); another process reads it
 *                                       with process_vm_readv (FOLL_PIN, read-only)
 *   repro pagemap FILE read|write       /proc/self/pagemap of a 2 MiB-aligned read-faulted
 *                                       mapping (a PMD mapping when the extent allows)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

static const size_t LEN = 64 * 1024;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  /* One write per line: lines from parent and child do not interleave. */
  dprintf(1, "REPRO: %s\n", buf);
}

static void die(const char *what) {
  say("error: %s: %s", what, strerror(errno));
  exit(2);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  char buf[128];
  int n = snprintf(buf, sizeof buf, "REPRO: pid %d got SIGBUS code %d addr %p\n", getpid(), si->si_code, si->si_addr);
  (void)sig;
  if (write(1, buf, n) < 0) {}
  _exit(7);
}

static void catch_sigbus(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &sa, NULL);
}

static char *map_file(const char *file, int prot) {
  int fd = open(file, (prot & PROT_WRITE) ? O_RDWR : O_RDONLY);
  if (fd < 0) die("open");
  char *p = mmap(NULL, LEN, prot, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) die("mmap");
  close(fd);
  return p;
}

static void print_pagemap(const char *who, void *addr) {
  int fd = open("/proc/self/pagemap", O_RDONLY);
  uint64_t e = 0;
  if (fd < 0 || pread(fd, &e, 8, ((uintptr_t)addr / 4096) * 8) != 8) { say("%s: pagemap unreadable", who); return; }
  close(fd);
  say("%s: pagemap present=%d file-or-shared-anon=%d exclusive=%d pfn=0x%llx",
      who, (int)(e >> 63 & 1), (int)(e >> 61 & 1), (int)(e >> 56 & 1), (unsigned long long)(e & ((1ULL << 55) - 1)));
}

/* Wait for pid at most secs seconds; returns 1 if it ended (status in *st), 0 if not. */
static int wait_for(pid_t pid, double secs, int *st) {
  double end = now() + secs;
  while (now() < end) {
    pid_t r = waitpid(pid, st, WNOHANG);
    if (r == pid) return 1;
    usleep(20000);
  }
  return 0;
}

static void describe_status(const char *who, int st) {
  if (WIFEXITED(st)) say("%s exited with status %d", who, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) say("%s killed by signal %d", who, WTERMSIG(st));
}

static void show_task(pid_t pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0) {
      buf[n] = 0;
      char *s = strrchr(buf, ')');
      if (s) say("task %d state %c", pid, s[2]);
    }
  }
  snprintf(path, sizeof path, "/proc/%d/stack", pid);
  fd = open(path, O_RDONLY);
  if (fd >= 0) {
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0) {
      buf[n] = 0;
      for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) say("stack %s", line);
    }
  }
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) return;
  if (write(fd, text, strlen(text)) < 0) {}
  close(fd);
}

/* Ends a child that did not return: where it runs (sysrq-l backtraces of the busy CPUs,
 * at a console loglevel that shows them), SIGKILL, then whether it went away. */
static void kill_and_reap(pid_t pid, const char *what, double secs) {
  int st;
  say("%s did not return within %.0f s", what, secs);
  tcdrain(1); /* the console is shared with printk: let our line out first */
  usleep(300000);
  write_file("/proc/sys/kernel/printk", "8");
  write_file("/proc/sysrq-trigger", "l");
  sleep(2);
  write_file("/proc/sys/kernel/printk", "5");
  show_task(pid);
  show_task(pid); /* twice: a livelock keeps running, a sleeper keeps sleeping */
  kill(pid, SIGKILL);
  if (wait_for(pid, 10, &st)) say("%s ended by SIGKILL", what);
  else say("%s survives SIGKILL for 10 s", what);
}

/* Poisons page 0 of a mapping of file in a forked child; returns 1 if the child ended. */
static int poison_once(const char *who, const char *file, const char *fault, double secs) {
  char *p = map_file(file, PROT_READ | PROT_WRITE);
  volatile char *v = p;
  if (!strcmp(fault, "write")) v[0] = 0x5a; else (void)v[0];
  say("mapped %s, %s fault on page 0", file, fault);
  print_pagemap(who, p);
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    catch_sigbus();
    int r = madvise(p, 4096, MADV_HWPOISON);
    say("madvise(MADV_HWPOISON) returned %d%s%s", r, r ? " " : "", r ? strerror(errno) : "");
    (void)v[0];
    say("page still readable after poisoning");
    _exit(0);
  }
  int st;
  char what[64];
  snprintf(what, sizeof what, "%s child", who);
  if (wait_for(pid, secs, &st)) { describe_status(what, st); return 1; }
  say("%s did not end within %.0f s", what, secs);
  show_task(pid);
  return 0;
}

/* poison FILE FAULT [THEN]: then, a second memory failure on a single-owner file THEN. */
static int cmd_poison(const char *file, const char *fault, const char *then) {
  poison_once("poisoning", file, fault, 30);
  if (then) poison_once("second poisoning", then, "read", 10);
  return 0;
}

static int cmd_odirect(const char *file, const char *dev, double secs) {
  char *p = map_file(file, PROT_READ);
  volatile char *v = p;
  (void)v[0];
  say("mapped %s read-only MAP_SHARED, read fault on page 0", file);
  print_pagemap("odirect", p);
  int fd = open(dev, O_WRONLY | O_DIRECT);
  if (fd < 0) die("open block device O_DIRECT");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    double t0 = now();
    ssize_t n = pwrite(fd, p, 4096, 0);
    say("O_DIRECT write returned %zd%s%s after %.2f s", n, n < 0 ? " " : "", n < 0 ? strerror(errno) : "", now() - t0);
    _exit(0);
  }
  int st;
  if (wait_for(pid, secs, &st)) describe_status("writer", st);
  else kill_and_reap(pid, "O_DIRECT write", secs);
  return 0;
}

static int cmd_vmreadv(const char *file, const char *how, double secs) {
  int ready[2];
  if (pipe(ready)) die("pipe");
  pid_t owner = fork();
  if (owner < 0) die("fork");
  if (owner == 0) {
    char *p = map_file(file, PROT_READ | PROT_WRITE);
    volatile char *v = p;
    if (!strcmp(how, "cow")) {
      v[0] = 0x5a;
      if (mprotect(p, LEN, PROT_READ)) die("mprotect");
      say("owner: write fault on page 0, then mprotect(PROT_READ)");
    } else {
      (void)v[0];
      say("owner: read fault on page 0");
    }
    print_pagemap("owner", p);
    uintptr_t a = (uintptr_t)p;
    if (write(ready[1], &a, sizeof a) != sizeof a) die("pipe write");
    for (;;) pause();
  }
  uintptr_t addr;
  if (read(ready[0], &addr, sizeof addr) != sizeof addr) die("pipe read");
  pid_t reader = fork();
  if (reader < 0) die("fork");
  if (reader == 0) {
    char buf[4096];
    struct iovec l = { buf, sizeof buf }, r = { (void *)addr, sizeof buf };
    double t0 = now();
    ssize_t n = process_vm_readv(owner, &l, 1, &r, 1, 0);
    say("process_vm_readv returned %zd%s%s after %.2f s", n, n < 0 ? " " : "", n < 0 ? strerror(errno) : "", now() - t0);
    _exit(0);
  }
  int st;
  if (wait_for(reader, secs, &st)) describe_status("reader", st);
  else kill_and_reap(reader, "process_vm_readv", secs);
  kill(owner, SIGKILL);
  waitpid(owner, &st, 0);
  return 0;
}

/* pagemap FILE: a 2 MiB MAP_SHARED mapping at a 2 MiB-aligned address, read-faulted at page 0;
 * (or write-faulted); page 1 present without a fault of its own means the fault mapped a PMD. */
static int cmd_pagemap(const char *file, const char *fault) {
  int wr = !strcmp(fault, "write");
  const size_t pmd = 2UL << 20;
  char *area = mmap(NULL, 2 * pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) die("mmap reserve");
  char *at = (char *)(((uintptr_t)area + pmd - 1) & ~(pmd - 1));
  int fd = open(file, wr ? O_RDWR : O_RDONLY);
  if (fd < 0) die("open");
  char *p = mmap(at, pmd, wr ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
  if (p == MAP_FAILED) die("mmap");
  volatile char *v = p;
  if (wr) v[0] = 0x5a; else (void)v[0];
  say("mapped %s (2 MiB at %p), %s fault on page 0", file, (void *)p, fault);
  print_pagemap("pagemap page0", p);
  print_pagemap("pagemap page1", p + 4096);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc >= 4 && !strcmp(argv[1], "poison")) return cmd_poison(argv[2], argv[3], argc >= 5 ? argv[4] : NULL);
  if (argc >= 5 && !strcmp(argv[1], "odirect")) return cmd_odirect(argv[2], argv[3], atof(argv[4]));
  if (argc >= 5 && !strcmp(argv[1], "vmreadv")) return cmd_vmreadv(argv[2], argv[3], atof(argv[4]));
  if (argc >= 4 && !strcmp(argv[1], "pagemap")) return cmd_pagemap(argv[2], argv[3]);
  fprintf(stderr, "usage: repro poison|odirect|vmreadv|pagemap ...\n");
  return 2;
}
