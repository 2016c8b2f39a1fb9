# Verifies every DKIM-Signature of a message with dkimpy (Debian python3-dkim); DNS from a JSON map.
# Usage: /usr/bin/python3 dkimpy-verify.py MESSAGE '{"sel._domainkey.example.com": "v=DKIM1; ..."}'
import json
import re
import sys

import dkim

msg = open(sys.argv[1], "rb").read()
dns = json.loads(sys.argv[2])


def dnsfunc(name, timeout=5):
    n = (name.decode() if isinstance(name, bytes) else name).rstrip(".").lower()
    v = dns.get(n)
    return v.encode() if v is not None else None


head = re.split(rb"\r?\n\r?\n", msg, maxsplit=1)[0]
count = len(re.findall(rb"(?mi)^DKIM-Signature:", head))
d = dkim.DKIM(msg, minkey=1024)
out = []
for i in range(count):
    try:
        out.append("pass" if d.verify(idx=i, dnsfunc=dnsfunc) else "fail")
    except Exception as e:  # dkimpy raises for permanent errors, and for a body hash mismatch
        if "body hash mismatch" in str(e):
            out.append("fail")
        else:
            out.append("error:%s:%s" % (type(e).__name__, e))
print(json.dumps(out))
