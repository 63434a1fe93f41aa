import socket, sys, time

port, out, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(0.5)
end = time.time() + secs
with open(out, "w") as f:
    while time.time() < end:
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        for line in data.decode("utf-8", "replace").split("\n"):
            if line:
                f.write(line + "\n")
                f.flush()
