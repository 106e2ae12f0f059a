#!/usr/bin/env bash
# Molecule "dependency" step of the starttls scenario: a throw-away test CA and a server certificate
# for the catcher container, written into the scenario's ephemeral directory (pruned by destroy) and
# bind-mounted read-only into both containers at /tls.
#   usage: make-test-ca.sh DIR SERVER_DNS_NAME
set -euo pipefail
dir=$1 name=$2
mkdir -p "$dir"
cd "$dir"
if [ -s ca.pem ] && [ -s server.pem ] && [ -s server.key ] \
   && openssl x509 -in server.pem -noout -checkend 3600 >/dev/null 2>&1 \
   && openssl verify -CAfile ca.pem server.pem >/dev/null 2>&1; then
  exit 0
fi
command -v openssl >/dev/null || { echo "make-test-ca.sh: openssl is required (apt-get install openssl)" >&2; exit 1; }
rm -f ./*.pem ./*.key ./*.csr ./*.srl ./*.ext
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -keyout ca.key -out ca.pem -subj "/O=infraops molecule/CN=starttls scenario test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout server.key -out server.csr -subj "/CN=$name" 2>/dev/null
cat >server.ext <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:$name
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.pem 2>/dev/null
rm -f ca.key server.csr ca.srl server.ext
# The containers run as uid 1000: the throw-away key must be readable there.
chmod 0755 .
chmod 0644 ca.pem server.pem server.key
echo "make-test-ca.sh: test CA and certificate for $name in $dir"
