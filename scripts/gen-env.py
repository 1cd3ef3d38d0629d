#!/usr/bin/env python3
"""Write a realistic .env file with N keys to stdout (deterministic for a given seed).

Values: URL-safe base64 tokens, hex secrets, database/redis URLs with credentials,
single-quoted values with spaces, and every 50th key a double-quoted multi-line value
(a PEM-like block). A comment line every 20 keys, `export` on every 7th. About 70 bytes
per key, so 100,000 keys make a ~7 MB file.

Usage: scripts/gen-env.py KEYS [SEED] > .env
"""
import random
import string
import sys

WORDS = ["DATABASE", "REDIS", "STRIPE", "AWS", "SENTRY", "MAILGUN", "GITHUB", "OAUTH",
         "CACHE", "QUEUE", "S3", "API", "AUTH", "JWT", "SMTP", "TWILIO"]
SUFFIXES = ["URL", "TOKEN", "SECRET_KEY", "PASSWORD", "HOST", "PORT", "ID"]
B64 = string.ascii_letters + string.digits + "-_"
HEX = "0123456789abcdef"


def main() -> None:
    keys = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choices(alphabet, k=n))

    out = []
    for i in range(keys):
        if i % 20 == 0:
            out.append(f"# section {i}\n")
        export = "export " if i % 7 == 0 else ""
        name = f"{rng.choice(WORDS)}_{i}_{rng.choice(SUFFIXES)}"
        kind = rng.randrange(4)
        if i % 50 == 49:
            body = "\n".join(pick(B64, 20) for _ in range(3))
            value = f'"-----BEGIN KEY-----\n{body}\n-----END KEY-----"'
        elif kind == 0:
            value = pick(B64, 40)
        elif kind == 1:
            value = pick(HEX, 48)
        elif kind == 2:
            value = f"postgres://app:{pick(B64, 16)}@db-{i % 9}.internal.example.com:5432/app"
        else:
            value = f"'value with spaces {pick(HEX, 8)}'"
        out.append(f"{export}{name}={value}\n")
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
