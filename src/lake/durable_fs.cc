#include "lake/durable_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "lake/lake_error.h"

namespace clickstream {
namespace {

std::string Parent(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A write error not yet reported to anyone is reported to an fd opened after it (Linux errseq), so
// reopening a closed file to fsync it loses nothing.
Status Sync(const std::string& path, int flags, std::string_view what) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return LakeIoError(std::string(what) + path, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? Status::OK() : LakeIoError(std::string(what) + path, err);
}

}  // namespace

Status MakeDirs(const std::string& path, unsigned mode) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? Status::OK() : LakeIoError("create directory " + path, ENOTDIR);
  }
  if (errno != ENOENT) return LakeIoError("create directory " + path, errno);
  const std::string parent = Parent(path);
  if (parent != path) CS_RETURN_NOT_OK(MakeDirs(parent, mode));
  // EEXIST: another writer of the same lake created it meanwhile.
  if (::mkdir(path.c_str(), mode) != 0) {
    if (errno != EEXIST) return LakeIoError("create directory " + path, errno);
  } else {
    CS_RETURN_NOT_OK(SetMode(path, mode));  // mkdir applied the umask
  }
  return SyncDir(parent);
}

Status SetMode(const std::string& path, unsigned mode) {
  if (::chmod(path.c_str(), mode) != 0) return LakeIoError("chmod " + path, errno);
  return Status::OK();
}

Status SyncFile(const std::string& path) { return Sync(path, O_RDONLY, "sync "); }

Status SyncDir(const std::string& path) { return Sync(path, O_RDONLY | O_DIRECTORY, "sync directory "); }

Status RenameFile(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0) return LakeIoError("rename " + from + " to " + to, errno);
  return Status::OK();
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return LakeIoError("remove " + path, errno);
  return Status::OK();
}

Result<bool> PathExists(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return LakeIoError("inspect " + path, errno);
}

Result<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return LakeIoError("list " + path, errno);
  std::vector<std::string> names;
  int err = 0;
  for (;;) {
    errno = 0;  // readdir reports an error only through errno
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      err = errno;
      break;
    }
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(dir);
  if (err != 0) return LakeIoError("list " + path, err);
  return names;
}

}  // namespace clickstream
