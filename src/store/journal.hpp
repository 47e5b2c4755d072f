// The write-ahead journal in front of store.tdb: the daemon appends each
// group commit as one record and acknowledges it once the record is on disk
// (one fdatasync), then applies the records to store.tdb in large
// transactions behind the requests. After a crash, the records store.tdb has
// not taken yet are applied again from here before the daemon serves.
//
// Files: <state>/journal/<16 hex digits>.log segments, appended in order,
// each record framed as [u32 length][8-byte truncated SHA-256][payload];
// <state>/journal/lock is held (flock) by the one process writing.
#pragma once

#include "common/result.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <tuple>

namespace ocs::store {

// Where a record ends: the segment and the offset just past the record.
struct JournalPosition {
    std::uint64_t segment = 0;
    std::uint64_t offset = 0;

    bool operator<(const JournalPosition& other) const
    {
        return std::tie(segment, offset) < std::tie(other.segment, other.offset);
    }
};

class Journal {
  public:
    static constexpr std::uint64_t kDefaultSegmentBytes = 64u << 20;

    // Takes the directory's lock: fails when another process holds it.
    static Result<std::unique_ptr<Journal>> open(const std::filesystem::path& stateDirectory, bool sync,
                                                 std::uint64_t segmentBytes = kDefaultSegmentBytes);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    // Visits the records after `from`, oldest first. A record cut short at
    // the very end (the crash came before its fdatasync, so it was never
    // acknowledged) is removed; damage anywhere else is an error naming the
    // file. Must run once before the first append, which continues after
    // the last record visited.
    using Visitor = std::function<Status(std::string_view payload, JournalPosition end)>;
    Status replay(JournalPosition from, const Visitor& visit);

    // Appends one record and, unless sync is off, waits until it is on
    // disk. On failure nothing of the record remains in the file.
    Result<JournalPosition> append(std::string_view payload);

    // Deletes the segments that end before `applied`.
    Status release(JournalPosition applied);

    const std::filesystem::path& directory() const { return directory_; }

  private:
    Journal(std::filesystem::path directory, int lockFd, bool sync, std::uint64_t segmentBytes);
    Status startSegment(std::uint64_t segment);
    Error failure(const std::filesystem::path& file, std::string_view what, int error) const;

    std::filesystem::path directory_;
    int lockFd_ = -1;
    bool sync_ = true;
    std::uint64_t segmentBytes_;
    std::mutex mutex_; // append against release
    bool replayed_ = false;
    int fd_ = -1;         // the segment appended to
    JournalPosition end_; // its end
    std::uint64_t oldest_ = 0; // the oldest segment that may still exist
};

} // namespace ocs::store
