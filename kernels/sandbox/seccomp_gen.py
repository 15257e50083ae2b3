"""Builds the kernels' seccomp deny-list as a BPF program (a Flatpak-style policy).

This file runs as a script under Debian's ``/usr/bin/python3`` (which can import ``python3-seccomp``;
the venv cannot) and writes the BPF program to stdout. The host side lives in ``seccomp_filter.py``.
Nothing here may import from the project.
"""

import errno
import sys

#: Denied outright (EPERM): debugging other processes, kernel keyrings, eBPF, perf, userfaultfd, io_uring,
#: every mount-related call, namespace changes, and host administration.
DENIED = [
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "pidfd_getfd",
    "kcmp",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "fanotify_init",
    "lookup_dcookie",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "setns",
    "unshare",
    "swapon",
    "swapoff",
    "reboot",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "acct",
    "quotactl",
    "quotactl_fd",
    "syslog",
    "uselib",
    "ioperm",
    "iopl",
    "vm86",
    "vm86old",
    "nfsservctl",
    "name_to_handle_at",
    "open_by_handle_at",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "vhangup",
]
#: CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
#: CLONE_NEWTIME
CLONE_NEW_FLAGS = [
    0x00020000,
    0x02000000,
    0x04000000,
    0x08000000,
    0x10000000,
    0x20000000,
    0x40000000,
    0x00000080,
]
#: Socket families a kernel may open: AF_UNIX, AF_INET, AF_INET6 (loopback only: no network namespace
#: devices) and AF_NETLINK (libzmq aborts at start without it).
ALLOWED_FAMILIES = {1, 2, 10, 16}
TIOCSTI, TIOCLINUX = 0x5412, 0x541C


def build():
    import seccomp

    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    eperm = seccomp.ERRNO(errno.EPERM)
    for name in DENIED:
        try:
            f.add_rule(eperm, name)
        except (RuntimeError, ValueError):  # unknown on this architecture or libseccomp version
            pass
    for flag in CLONE_NEW_FLAGS:
        f.add_rule(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")  # flags live in memory: make glibc fall back to clone
    for request in (TIOCSTI, TIOCLINUX):
        f.add_rule(eperm, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request))
    noafs = seccomp.ERRNO(errno.EAFNOSUPPORT)
    for family in range(0, 64):
        if family not in ALLOWED_FAMILIES:
            f.add_rule(noafs, "socket", seccomp.Arg(0, seccomp.EQ, family))
    f.add_rule(noafs, "socket", seccomp.Arg(0, seccomp.GE, 64))
    return f


if __name__ == "__main__":
    sys.stdout.flush()
    build().export_bpf(sys.stdout)
