#include "store/state_directory.hpp"

#include <sys/types.h>
#include <fcntl.h>
#include <tdb.h>

#include <system_error>

namespace ocs::store {
namespace fs = std::filesystem;

namespace {

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
    if (access == Access::ReadOnly)
        return TdbFile::open(directory / name, tdbFlags, O_RDONLY, 0);
    if (Status made = ensureStateDirectory(directory); !made)
        return made.error();
    return TdbFile::open(directory / name, tdbFlags, O_RDWR | O_CREAT, 0600, hashSize);
}

} // namespace ocs::store
