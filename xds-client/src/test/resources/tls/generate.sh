#!/bin/sh
# Regenerates the test PKI (CA, server cert for 127.0.0.1 / xds.test, client cert). Keys are PKCS#8 PEM (Netty).
set -e
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj "/CN=wasmplane test CA" -keyout ca.key -out ca.crt
openssl req -newkey rsa:2048 -nodes -subj "/CN=xds.test" -keyout server.key -out server.csr
printf "subjectAltName=DNS:xds.test,IP:127.0.0.1\n" > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 36500 -extfile server.ext -out server.crt
openssl req -newkey rsa:2048 -nodes -subj "/CN=dataplane" -keyout client.key -out client.csr
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 36500 -out client.crt
rm -f server.csr client.csr server.ext ca.srl ca.key
