"""Nightly SSH deploy-key rotation for build agents.

Compliant twin of examples/insecure/ssh_rotation.py: owner-only umask, no temporary
directory, the private key is written straight into its final place with mode 0o600.
"""
import os
import subprocess

import paramiko


def _owner_only_text(path: str):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    return os.fdopen(fd, "w")


def install_for_agent(agent_home: str, comment: str) -> str:
    old_umask = os.umask(0o077)
    try:
        ssh_dir = os.path.join(agent_home, ".ssh")
        os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
        key = paramiko.RSAKey.generate(3072)
        with _owner_only_text(os.path.join(ssh_dir, "id_deploy")) as fh:
            key.write_private_key(fh)
        pub_path = os.path.join(ssh_dir, "id_deploy.pub")
        with open(pub_path, "w") as fh:
            fh.write(f"{key.get_name()} {key.get_base64()} {comment}\n")
        subprocess.run(["ssh-keygen", "-l", "-f", pub_path], check=True)
        return pub_path
    finally:
        os.umask(old_umask)


def push_to_ci(project: str) -> None:
    key = paramiko.RSAKey.generate(3072)
    ci_dir = f"/srv/ci/{project}"
    os.makedirs(ci_dir, mode=0o700, exist_ok=True)
    with _owner_only_text(os.path.join(ci_dir, "deploy_key")) as fh:
        key.write_private_key(fh)
