"""Nightly SSH deploy-key rotation for build agents.

INSECURE example: every finding is annotated with `# expect:`.
"""
import os
import shutil
import subprocess
import tempfile

import paramiko


def new_deploy_key(comment: str):
    key = paramiko.RSAKey.generate(3072)
    workdir = tempfile.mkdtemp(prefix="rotate-")  # expect: KG103
    key_path = os.path.join(workdir, "id_deploy")
    key.write_private_key_file(key_path)  # expect: KG101
    with open(key_path + ".pub", "w") as fh:
        fh.write(f"{key.get_name()} {key.get_base64()} {comment}\n")
    return key, key_path


def install_for_agent(agent_home: str, comment: str) -> None:
    os.umask(0o022)  # expect: KG204
    key, key_path = new_deploy_key(comment)
    ssh_dir = os.path.join(agent_home, ".ssh")
    os.makedirs(ssh_dir, exist_ok=True)
    with open(os.path.join(ssh_dir, "id_deploy"), "w") as fh:
        key.write_private_key(fh)  # expect: KG201
    subprocess.run(["ssh-keygen", "-l", "-f", key_path + ".pub"], check=True)


def push_to_ci(project: str) -> None:
    key, _ = new_deploy_key(project)
    with open("/tmp/ci-deploy-key", "w") as fh:
        key.write_private_key(fh)  # expect: KG101
    shutil.copy("/tmp/ci-deploy-key", f"/srv/ci/{project}/deploy_key")  # expect: KG201
