from cryptography.hazmat.primitives.asymmetric import rsa


def make_key():
    return rsa.generate_private_key(  # expect: KG601
        public_exponent=3,
        key_size=1024,  # legacy device
    )
