"""Containment of one student run: namespaces, cgroups, uids, mounts, scratch, ports."""
