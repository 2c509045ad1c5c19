"""Federation over HTTPS: certificates from a throwaway CA, verified by the peers; a peer whose
certificate the node does not trust is refused."""
import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import Node, run, wait_until


def write_pem(path, data):
    path.write_bytes(data)
    return str(path)


class CertificateAuthority:
    """A CA made for one test: its certificate, and leaf certificates for 127.0.0.1 signed by it."""

    def __init__(self, directory, name):
        self.directory = directory
        self.name = name
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.certificate = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.file = write_pem(directory / f"{name}-ca.pem", self.certificate.public_bytes(serialization.Encoding.PEM))

    def issue(self, node_name):
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, node_name)]))
            .issuer_name(self.certificate.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        chain = write_pem(self.directory / f"{node_name}.pem", certificate.public_bytes(serialization.Encoding.PEM))
        private = write_pem(self.directory / f"{node_name}.key", key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        return chain, private, self.file


def test_two_nodes_federate_over_https_and_an_untrusted_certificate_is_refused(tmp_path):
    ca, other = CertificateAuthority(tmp_path, "test-ca"), CertificateAuthority(tmp_path, "other-ca")
    estonia = Node(tmp_path, "EST", tls=ca.issue("est")).start()
    latvia = Node(tmp_path, "LVA", tls=ca.issue("lva")).start()
    # Finland's certificate is from a CA that Estonia does not trust (Finland trusts it, so it can serve and be reached by its own CLI).
    finland = Node(tmp_path, "FIN", tls=other.issue("fin")).start()
    try:
        assert estonia.url.startswith("https://")
        estonia.cli("peer", "add", latvia.url, "--fingerprint", latvia.fingerprint)
        latvia.cli("peer", "add", estonia.url, "--fingerprint", estonia.fingerprint)
        message_id = estonia.cli("send", "--to", "LVA", "--template", "free-text", "--priority", "urgent", "--subject", "Over TLS").stdout.strip()
        wait_until("LVA receives it over https", lambda: any(m["id"] == message_id for m in latvia.json("inbox")))
        wait_until("EST holds LVA's signed receipt", lambda: estonia.api("GET", f"/api/v1/messages/{message_id}")["deliveries"][0]["deliveredAt"])

        refused = estonia.cli("peer", "add", finland.url, "--fingerprint", finland.fingerprint, check=False)
        assert refused.returncode != 0 and "certificate" in (refused.stdout + refused.stderr).lower(), refused.stderr
        assert [p["id"] for p in estonia.json("peer", "list")] == ["LVA"]

        # The CLI, too, verifies the node's certificate: without the test CA it does not talk to it.
        untrusted = run("inbox", "--data", estonia.data, check=False)
        assert untrusted.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
    finally:
        for node in (estonia, latvia, finland):
            node.stop()
