# Time from writing one input line (stdin kept open) to reading its output line.
import subprocess, sys, time, select
dll, model = sys.argv[1], sys.argv[2]
p = subprocess.Popen(["dotnet", dll, "embed", "--model", model], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
time.sleep(5)  # let it load the model
start = time.time()
p.stdin.write(b'"hello world"\n'); p.stdin.flush()
ready, _, _ = select.select([p.stdout], [], [], 30)
print(f"{dll}: first output line after {time.time() - start:.3f} s" if ready else f"{dll}: no output within 30 s while stdin is open")
p.stdin.close(); p.wait()
