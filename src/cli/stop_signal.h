// Graceful stop on SIGINT/SIGTERM: the handler only sets a flag that long-running loops poll.
#pragma once

namespace clickstream::cli {

// Installs the handlers; main() does so first thing. A second signal while stopping ends the process
// at once (exit code 130), if it comes at least a second after the first: the same signal delivered to
// the process and to its process group is one request, not two.
void InstallStopHandlers();
// True once SIGINT or SIGTERM arrived.
bool StopRequested();

}  // namespace clickstream::cli
