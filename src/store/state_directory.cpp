#include "store/state_directory.hpp"

#include <sys/types.h>
#include <fcntl.h>
#include <tdb.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <thread>

namespace ocs::store {
namespace fs = std::filesystem;

namespace {

constexpr int kReadOnlyAttempts = 300;
constexpr std::chrono::milliseconds kReadOnlyRetry{10};

Error fileError(const fs::path& path, std::string_view what, const std::error_code& error)
{
    return makeError(ErrorCode::InternalError, {}, path.string() + ": " + std::string(what) + ": " + error.message());
}

} // namespace

Status ensureStateDirectory(const fs::path& directory)
{
    std::error_code error;
    if (fs::is_directory(directory, error))
        return {};
    if (!fs::create_directories(directory, error) && error)
        return fileError(directory, "cannot create the state directory", error);
    fs::permissions(directory, fs::perms::owner_all, fs::perm_options::replace, error);
    if (error)
        return fileError(directory, "cannot restrict the state directory to its owner", error);
    return {};
}

Result<TdbFile> openStateFile(const fs::path& directory, std::string_view name, Access access, int tdbFlags,
                              int hashSize)
{
    if (access == Access::ReadOnly) {
        // A read-only opener cannot wait for another process's commit to
        // finish (tdb would have to recover the file, which it may not):
        // it fails meanwhile, so it tries again for a while.
        const fs::path path = directory / name;
        auto file = TdbFile::open(path, tdbFlags, O_RDONLY, 0);
        for (int attempt = 0; !file && fs::exists(path) && attempt < kReadOnlyAttempts; ++attempt) {
            std::this_thread::sleep_for(kReadOnlyRetry);
            file = TdbFile::open(path, tdbFlags, O_RDONLY, 0);
        }
        return file;
    }
    if (Status made = ensureStateDirectory(directory); !made)
        return made.error();
    // O_CREAT only for a file that is not there: tdb given O_CREAT rewrites
    // a file whose header it does not recognise as a new, empty database.
    const fs::path path = directory / name;
    std::error_code ignored;
    const int openFlags = fs::exists(path, ignored) ? O_RDWR : O_RDWR | O_CREAT;
    auto file = TdbFile::open(path, tdbFlags, openFlags, 0600, hashSize);
    if (file || !fs::exists(path, ignored))
        return file;
    // Not writable here (owner, mode, a read-only mount, the immutable
    // attribute) is not damage: no restore for that.
    if (::access(path.c_str(), R_OK | W_OK) != 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
        return makeError(ErrorCode::InternalError, {},
                         file.error().detail + "; the daemon may not write it: check its owner and mode (ls -l), a "
                                               "read-only mount, and the immutable attribute (lsattr)");
    return makeError(ErrorCode::InternalError, {},
                     file.error().detail + "; if the file is damaged, restore it from a backup (`tdbbackup -v -s .bak " +
                         path.string() + "` restores " + path.string() + ".bak; see doc/operations.md)");
}

} // namespace ocs::store
