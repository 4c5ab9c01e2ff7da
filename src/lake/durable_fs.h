// The few POSIX file operations the lake needs, with fsync where a crash could otherwise lose a name
// or a byte that a caller was told is durable. Errors are LakeIoError Statuses naming the path.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace clickstream {

// mkdir -p; each directory it creates gets `mode` (whatever the umask) and is made durable by fsyncing
// its parent. Directories that exist are left as they are.
Status MakeDirs(const std::string& path, unsigned mode);

// chmod(2).
Status SetMode(const std::string& path, unsigned mode);

// fsync of a file that was written and closed: its bytes are on disk when this returns OK.
Status SyncFile(const std::string& path);

// fsync of a directory: makes the creation, rename or removal of its entries durable.
Status SyncDir(const std::string& path);

// rename(2); atomic, replaces `to` if it exists.
Status RenameFile(const std::string& from, const std::string& to);

// unlink(2); a file that is already gone is fine.
Status RemoveFile(const std::string& path);

// Whether `path` exists (any file type).
Result<bool> PathExists(const std::string& path);

// The entry names of a directory, without "." and "..".
Result<std::vector<std::string>> ListDir(const std::string& path);

}  // namespace clickstream
