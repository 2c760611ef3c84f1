#!/usr/bin/env python3
"""The hardening numbers of BENCHMARKS.md (issue 11), against a real `lianxin-server serve` on
loopback with a fresh SQLite database:

1. /healthz latency (p50, p99, max, failures) over fresh connections while 1,000 idle TCP
   connections are held open (reopened as the server closes them);
2. push latency (one petition per push, sequential) alone and during an enrollment flood (many
   concurrent clients posting unknown enrollment codes as fast as they can);
3. receipt lookups one address gets before the first 429, and over 10 s of hammering.

    scripts/bench-hardening.py [path/to/lianxin-server]    # default target/release/lianxin-server

Only the Python standard library; every socket goes to 127.0.0.1.
"""

import asyncio
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone

SERVER = sys.argv[1] if len(sys.argv) > 1 else "target/release/lianxin-server"
IDLE = 1000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def request(port, method, path, body=None, token=None, timeout=10.0):
    """One request on a fresh connection; (status, seconds) or (None, seconds) on failure."""
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        data = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        writer.write(head.encode() + b"\r\n" + data)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
        writer.close()
        status = int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/") else None
        return status, time.perf_counter() - start, raw
    except (OSError, asyncio.TimeoutError, ValueError, IndexError):
        return None, time.perf_counter() - start, b""


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(latencies):
    ms = [x * 1000 for x in latencies]
    return f"p50 {pct(ms, 50):.1f} ms, p99 {pct(ms, 99):.1f} ms, max {max(ms):.1f} ms"


async def hold_idle(port, n, stop):
    """Keeps n idle connections open, reopening each one the server closes."""

    async def one():
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            done, _ = await asyncio.wait(
                [asyncio.ensure_future(reader.read()), asyncio.ensure_future(stop.wait())],
                return_when=asyncio.FIRST_COMPLETED,
            )
            writer.close()

    return [asyncio.ensure_future(one()) for _ in range(n)]


def petition():
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    return {
        "channel": "visit",
        "petitioner": {
            "kind": "person",
            "name": "张三",
            "id_number": "11010519491231002X",
            "phone": "13812345678",
            "address": "城关镇人民路1号",
        },
        "visitors": 1,
        "representatives": [],
        "category": "appeal_request",
        "subject": "land",
        "township": "城关镇",
        "request": "请求依法补偿",
        "facts": "2025年征地未补偿",
        "reasons": "",
        "enterprise": False,
        "received_at": now,
        "identity_unclear": False,
        "oral_record_confirmed": True,
        "respondent": "",
        "urgent": False,
        "appeal_route": "opinion_letter",
        "department": "natural_resources",
    }


# Servers since issue 15 want the device's clock with every push; older ones refuse the field.
WITH_DEVICE_NOW = [True]


async def push_once(port, token):
    rec = {"id": str(uuid.uuid4()), "kind": "petition", "payload": petition()}
    body = {"records": [rec]}
    if WITH_DEVICE_NOW[0]:
        body["device_now"] = datetime.now(timezone.utc).isoformat()
    return await request(port, "POST", "/api/v1/sync/push", body, token)


async def push_latencies(port, token, seconds):
    out, failures, end = [], 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        status, took, raw = await push_once(port, token)
        if status == 200 and b'"stored"' in raw:
            out.append(took)
        else:
            failures += 1
        await asyncio.sleep(0.05)
    return out, failures


async def enroll_flood(port, stop, counts):
    while not stop.is_set():
        code = "-".join("".join(random.choice("ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(4)) for _ in range(4))
        status, _, _ = await request(port, "POST", "/api/v1/devices/enroll", {"code": code, "label": "flood"})
        counts[status] = counts.get(status, 0) + 1


async def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    tmp = tempfile.mkdtemp(prefix="lianxin-bench-")
    port = free_port()
    env = dict(os.environ)
    env.update(
        LIANXIN_ADDR=f"127.0.0.1:{port}",
        LIANXIN_DATABASE_URL=f"sqlite://{tmp}/bench.db",
        LIANXIN_STATIC_DIR=f"{tmp}/no-dist",
        RUST_LOG="warn",
    )
    proc = subprocess.Popen([SERVER, "serve"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        # The first start prints the demo codes; the field tablet's is on the second line.
        lines = [proc.stdout.readline() for _ in range(4)]
        code = next(l.split(": ")[-1].strip() for l in lines if "field tablet" in l)
        for _ in range(100):
            if (await request(port, "GET", "/healthz"))[0] == 200:
                break
            await asyncio.sleep(0.1)
        status, _, raw = await request(port, "POST", "/api/v1/devices/enroll", {"code": code, "label": "bench"})
        token = json.loads(raw.split(b"\r\n\r\n", 1)[1])["token"]
        status, _, raw = await push_once(port, token)
        if status != 200:
            WITH_DEVICE_NOW[0] = False
            status, _, raw = await push_once(port, token)
        if status != 200 or b'"stored"' not in raw:
            sys.exit(f"a test push was not stored: {raw[-400:]!r}")
        print(f"server {SERVER} on 127.0.0.1:{port}; nofile soft limit of this client {hard}")

        # 1. healthz under idle connections
        base = [ (await request(port, "GET", "/healthz"))[1] for _ in range(200)]
        print(f"healthz, no idle connections: {summary(base)}")
        stop = asyncio.Event()
        idle = await hold_idle(port, IDLE, stop)
        await asyncio.sleep(2)
        lat, fail = [], 0
        end = time.perf_counter() + 20
        while time.perf_counter() < end:
            status, took, _ = await request(port, "GET", "/healthz", timeout=5)
            if status == 200:
                lat.append(took)
            else:
                fail += 1
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*idle, return_exceptions=True)
        print(f"healthz, {IDLE} idle connections held (20 s): {summary(lat) if lat else 'no answer'}; "
              f"{len(lat)} answered, {fail} failed")

        # 2. push latency alone, then during an enrollment flood
        alone, f1 = await push_latencies(port, token, 10)
        print(f"push alone (10 s): {summary(alone)}; {f1} failed")
        stop, counts = asyncio.Event(), {}
        flood = [asyncio.ensure_future(enroll_flood(port, stop, counts)) for _ in range(32)]
        await asyncio.sleep(1)
        t0 = time.perf_counter()
        busy, f2 = await push_latencies(port, token, 10)
        stop.set()
        await asyncio.gather(*flood, return_exceptions=True)
        elapsed = time.perf_counter() - t0 + 1
        total = sum(counts.values())
        print(f"push during an enrollment flood (32 clients, 10 s): {summary(busy)}; {f2} failed; "
              f"flood {total / elapsed:.0f} attempts/s, answers {dict(sorted((str(k), v) for k, v in counts.items()))}")

        # 3. receipt lookups from one address
        answered, first_429 = 0, None
        end = time.perf_counter() + 10
        while time.perf_counter() < end:
            status, _, _ = await request(port, "GET", "/api/v1/receipts/ABCD-EFGH-JKLM")
            if status == 429:
                first_429 = first_429 if first_429 is not None else answered
            elif status in (200, 404):
                answered += 1
        print(f"receipt lookups from one address: {first_429} before the first 429; "
              f"{answered} answered in 10 s ({answered / 10:.1f}/s)")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


asyncio.run(main())
