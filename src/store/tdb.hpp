// RAII over libtdb: one open database file, its transactions, and errors
// that name the file. A TdbFile is not thread-safe and tdb refuses a second
// open of the same file in one process: each store keeps one TdbFile and
// serialises every call to it.
#pragma once

#include "common/result.hpp"

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

struct tdb_context;

namespace ocs::store {

class TdbFile {
  public:
    enum class StoreMode { Replace, Insert }; // Insert fails if the key exists

    // tdbFlags: TDB_* open flags (TDB_DEFAULT for persistent state shared
    // between processes); openFlags and mode as for open(2).
    // hashSize: buckets of a file created now (0: tdb's default of 131, fine
    // for a few hundred records; a file of millions needs ~100,000, or every
    // lookup walks a long chain). An existing file keeps its own.
    static Result<TdbFile> open(const std::filesystem::path& path, int tdbFlags, int openFlags, mode_t mode,
                                int hashSize = 0);

    TdbFile(TdbFile&& other) noexcept;
    TdbFile& operator=(TdbFile&& other) noexcept;
    TdbFile(const TdbFile&) = delete;
    TdbFile& operator=(const TdbFile&) = delete;
    ~TdbFile();

    // nullopt when the key is absent; an error only when tdb cannot read.
    Result<std::optional<std::string>> fetch(std::string_view key);
    Status store(std::string_view key, std::string_view value, StoreMode mode);
    // false when the key was absent.
    Result<bool> remove(std::string_view key);
    // Visits every record under a read lock; return false from the visitor
    // to stop early. A whole-file walk: at start and for tools, never on a
    // request path. A writable handle takes the file's all-record read lock
    // for the walk (writers in other processes wait until it ends): without
    // it libtdb locks each hash chain with its own fcntl calls, and the
    // daemon took 32.5 s instead of 1.3 s to start on a store with a
    // million indexed messages. libtdb refuses that lock to read-only
    // handles (the tools); their walks make no per-chain fcntl calls anyway
    // (ocsmanager-inspect lists the queues of that store in 0.8 s).
    Status traverse(const std::function<bool(std::string_view key, std::string_view value)>& visit);

    const std::filesystem::path& path() const { return path_; }

    // Deleted records stay in their hash chain, marked dead, up to this many
    // per chain, and a new record in that chain reuses one that is large
    // enough; past that they go to the free list. For files that delete as
    // much as they add: tdb's free list grows long under such churn, and
    // walking it makes every store and delete slower (a per-handle setting).
    void keepDeadRecords(int perChain);

    // All or nothing: runs `change` in a transaction and commits when it
    // succeeds; cancels when it fails. Reads and writes through the TdbFile
    // inside `change` see and make the transaction's changes. When a lock is
    // refused for a conflict (below), `change` runs again from the start.
    Status transact(const std::function<Status()>& change);

  private:
    TdbFile(tdb_context* tdb, std::filesystem::path path) : tdb_(tdb), path_(std::move(path)) {}
    void close();
    Error failure(std::string_view operation, std::string_view key = {}) const;
    bool lockConflict() const;

    tdb_context* tdb_ = nullptr;
    std::filesystem::path path_;
};

} // namespace ocs::store
