/*
 * jaxtutor kernel-exec: the privileged helper of the non-root server mode.
 *
 *     kernel-exec COMMAND [ARG...]
 *
 * Runs COMMAND as the kernel user (KERNEL_USER, fixed when this file is compiled) and as nothing else:
 * no supplementary groups, no capabilities (permitted, effective, inheritable, ambient all empty),
 * no_new_privs set; every file descriptor and the environment are passed on unchanged (the launch chain
 * hands bubblewrap its seccomp program on fd 9).
 *
 * scripts/setup-host.sh installs it as root:<server group>, mode 0750, with the file capabilities
 * cap_setuid,cap_setgid+ep, so only the server's group can run it. It takes no uid or gid argument on
 * purpose: a copy of setpriv holding CAP_SETUID would let its caller become any uid, root included.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef KERNEL_USER
#define KERNEL_USER "jaxtutor-kernel"
#endif

static int fail(const char *what)
{
    fprintf(stderr, "kernel-exec: %s: %s\n", what, strerror(errno));
    return 126;
}

int main(int argc, char **argv)
{
    struct passwd *pw;
    uid_t uid, ruid, euid, suid;
    gid_t gid, rgid, egid, sgid;
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];

    if (argc < 2) {
        fprintf(stderr, "usage: kernel-exec COMMAND [ARG...]  (runs COMMAND as %s)\n", KERNEL_USER);
        return 2;
    }
    errno = 0;
    pw = getpwnam(KERNEL_USER);
    if (pw == NULL) {
        fprintf(stderr, "kernel-exec: the kernel user %s does not exist\n", KERNEL_USER);
        return 126;
    }
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    if (uid == 0 || gid == 0) {
        fprintf(stderr, "kernel-exec: refusing: the kernel user must not be root\n");
        return 126;
    }
    if (setgroups(0, NULL) != 0)
        return fail("setgroups");
    if (setresgid(gid, gid, gid) != 0)
        return fail("setresgid");
    if (setresuid(uid, uid, uid) != 0)
        return fail("setresuid");
    if (getresuid(&ruid, &euid, &suid) != 0 || ruid != uid || euid != uid || suid != uid)
        return fail("uid check");
    if (getresgid(&rgid, &egid, &sgid) != 0 || rgid != gid || egid != gid || sgid != gid)
        return fail("gid check");
    /* The uid change from one non-zero uid to another keeps capabilities: drop them all explicitly. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return fail("clear ambient capabilities");
    memset(caps, 0, sizeof(caps));
    if (syscall(SYS_capset, &header, caps) != 0)
        return fail("capset");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail("no_new_privs");
    execvp(argv[1], argv + 1);
    return fail("exec");
}
