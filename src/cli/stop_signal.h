// Graceful stop on SIGINT/SIGTERM: the handler only sets a flag that long-running loops poll.
#pragma once

namespace clickstream::cli {

// Installs the handlers; main() does so first thing. A second signal while stopping ends the process
// at once.
void InstallStopHandlers();
// True once SIGINT or SIGTERM arrived.
bool StopRequested();

}  // namespace clickstream::cli
