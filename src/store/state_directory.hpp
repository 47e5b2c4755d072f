// The state directory and the TDB files in it: created for the owner alone,
// opened the same way by the daemon, the tools and the client module.
#pragma once

#include "common/result.hpp"
#include "store/tdb.hpp"

#include <filesystem>
#include <string_view>

namespace ocs::store {

// Creates the directory (mode 0700) when it is missing.
Status ensureStateDirectory(const std::filesystem::path& directory);

enum class Access { ReadWrite, ReadOnly };

// Opens (creating when writable) `name` in the state directory, mode 0600.
// tdbFlags: TDB_DEFAULT, or TDB_NOSYNC where losing the last commits on power
// loss is accepted. hashSize: as TdbFile::open.
Result<TdbFile> openStateFile(const std::filesystem::path& directory, std::string_view name, Access access,
                              int tdbFlags, int hashSize = 0);

// Hash buckets of the registry and the queue store: short chains up to
// about a million records. (16381 buckets, fewer table blocks for a commit
// to copy, measured half the NewMail throughput: tests/bench/run-queue.)
inline constexpr int kLargeHashSize = 131071;

} // namespace ocs::store
