#include "store/tdb.hpp"

#include <sys/types.h>
#include <fcntl.h>
#include <tdb.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <utility>

namespace ocs::store {
namespace {

TDB_DATA datum(std::string_view bytes)
{
    // tdb takes non-const pointers but only reads keys and stored values.
    return TDB_DATA{reinterpret_cast<unsigned char*>(const_cast<char*>(bytes.data())), bytes.size()};
}

std::string_view view(const TDB_DATA& data)
{
    return {reinterpret_cast<const char*>(data.dptr), data.dsize};
}

struct FreeDeleter {
    void operator()(unsigned char* p) const { std::free(p); }
};

using Visitor = std::function<bool(std::string_view, std::string_view)>;

// fcntl locks belong to processes, not threads: when threads of two processes
// hold and wait for locks on two files, the kernel can see a deadlock that
// is none and refuse a lock (EDEADLK, TDB_ERR_LOCK). The answer is to wait a
// moment and try again.
constexpr int kLockAttempts = 100;

void pauseAfterConflict(int attempt)
{
    std::this_thread::sleep_for(std::chrono::microseconds(100 * (attempt + 1)));
}

int visitRecord(tdb_context*, TDB_DATA key, TDB_DATA value, void* state)
{
    const auto& visit = *static_cast<const Visitor*>(state);
    return visit(view(key), view(value)) ? 0 : 1;
}

} // namespace

void TdbFile::keepDeadRecords(int perChain)
{
    tdb_set_max_dead(tdb_, perChain);
}

Result<TdbFile> TdbFile::open(const std::filesystem::path& path, int tdbFlags, int openFlags, mode_t mode, int hashSize)
{
    errno = 0;
    tdb_context* tdb = tdb_open(path.c_str(), hashSize, tdbFlags, openFlags, mode);
    if (tdb == nullptr) {
        const int error = errno;
        return makeError(ErrorCode::InternalError, {},
                         path.string() + ": cannot open: " + std::strerror(error) + " (errno " + std::to_string(error) +
                             ")");
    }
    return TdbFile(tdb, path);
}

TdbFile::TdbFile(TdbFile&& other) noexcept : tdb_(std::exchange(other.tdb_, nullptr)), path_(std::move(other.path_)) {}

TdbFile& TdbFile::operator=(TdbFile&& other) noexcept
{
    if (this != &other) {
        close();
        tdb_ = std::exchange(other.tdb_, nullptr);
        path_ = std::move(other.path_);
    }
    return *this;
}

TdbFile::~TdbFile()
{
    close();
}

void TdbFile::close()
{
    if (tdb_ != nullptr)
        tdb_close(std::exchange(tdb_, nullptr));
}

Error TdbFile::failure(std::string_view operation, std::string_view key) const
{
    std::string detail = path_.string() + ": " + std::string(operation);
    if (!key.empty())
        detail += " " + std::string(key);
    detail += ": ";
    detail += tdb_errorstr(tdb_);
    return makeError(ErrorCode::InternalError, {}, std::move(detail));
}

Result<std::optional<std::string>> TdbFile::fetch(std::string_view key)
{
    TDB_DATA found = tdb_fetch(tdb_, datum(key));
    for (int attempt = 0; found.dptr == nullptr && attempt + 1 < kLockAttempts && lockConflict(); ++attempt) {
        pauseAfterConflict(attempt);
        found = tdb_fetch(tdb_, datum(key));
    }
    const std::unique_ptr<unsigned char, FreeDeleter> owner(found.dptr);
    if (found.dptr != nullptr)
        return std::optional<std::string>(std::string(view(found)));
    // A NULL answer is either "no such key" or a failure; tdb says which.
    if (tdb_error(tdb_) == TDB_ERR_NOEXIST)
        return std::optional<std::string>();
    return failure("fetch", key);
}

Status TdbFile::store(std::string_view key, std::string_view value, StoreMode mode)
{
    const int flag = mode == StoreMode::Insert ? TDB_INSERT : TDB_REPLACE;
    if (tdb_store(tdb_, datum(key), datum(value), flag) != 0)
        return failure("store", key);
    return {};
}

Result<bool> TdbFile::remove(std::string_view key)
{
    if (tdb_delete(tdb_, datum(key)) == 0)
        return true;
    if (tdb_error(tdb_) == TDB_ERR_NOEXIST)
        return false;
    return failure("delete", key);
}

Status TdbFile::traverse(const Visitor& visit)
{
    // libtdb refuses the all-record lock to a read-only handle, whose walk
    // goes without it.
    const bool locked = tdb_lockall_read(tdb_) == 0;
    const int visited = tdb_traverse_read(tdb_, visitRecord, const_cast<Visitor*>(&visit));
    if (locked)
        tdb_unlockall_read(tdb_);
    if (visited < 0)
        return failure("traverse");
    return {};
}

bool TdbFile::lockConflict() const
{
    return tdb_error(tdb_) == TDB_ERR_LOCK;
}

Status TdbFile::transact(const std::function<Status()>& change)
{
    for (int attempt = 0;; ++attempt) {
        const bool retry = attempt + 1 < kLockAttempts;
        if (tdb_transaction_start(tdb_) != 0) {
            if (retry && lockConflict()) {
                pauseAfterConflict(attempt);
                continue;
            }
            return failure("transaction start");
        }
        if (Status changed = change(); !changed) {
            tdb_transaction_cancel(tdb_);
            return changed;
        }
        // tdb cancels a transaction whose commit fails.
        if (tdb_transaction_commit(tdb_) == 0)
            return {};
        if (!retry || !lockConflict())
            return failure("transaction commit");
        pauseAfterConflict(attempt);
    }
}

} // namespace ocs::store
