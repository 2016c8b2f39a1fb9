# Signs a message with dkimpy and writes signature + message to stdout.
# Usage: /usr/bin/python3 dkimpy-sign.py MESSAGE '{"d":..,"s":..,"key":PATH,"a":"rsa-sha256","c":"relaxed/relaxed","h":[..]}'
import json
import sys

import dkim

msg = open(sys.argv[1], "rb").read()
p = json.loads(sys.argv[2])
key = open(p["key"], "rb").read()
sig = dkim.sign(
    msg,
    p["s"].encode(),
    p["d"].encode(),
    key,
    canonicalize=tuple(c.encode() for c in p["c"].split("/")),
    signature_algorithm=p["a"].encode(),
    include_headers=[h.encode() for h in p["h"]],
)
sys.stdout.buffer.write(sig + msg)
