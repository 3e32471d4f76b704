"""The depth cut: a call too deep to evaluate answers with what its arguments carry, unless its
function's name says the result is public (a CSR, a certificate, a signature) and not a key."""

import pytest

from keyguard.analysis.engine import _names_public_result


@pytest.mark.parametrize("name", ["make_csr", "generate_csr", "create_self_signed_cert", "makeSelfSignedCert",
                                  "sign_payload", "public_key_fingerprint", "get_public_key", "jwk_thumbprint",
                                  "cert_and_chain_from_fullchain", "_sign"])
def test_public_results(name: str) -> None:
    assert _names_public_result(name)


@pytest.mark.parametrize("name", ["make_cert_and_key", "signing_key", "load_cert_bundle", "get_private_key",
                                  "make_key", "sign_with_key", "export_cert_pem", "gen_keypair", "normalise",
                                  "step6", "csr_and_secret", "make_signer"])
def test_results_that_may_be_keys(name: str) -> None:
    assert not _names_public_result(name)
