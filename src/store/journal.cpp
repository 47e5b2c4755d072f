#include "store/journal.hpp"

#include "common/digest.hpp"
#include "store/state_directory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace ocs::store {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChecksumBytes = 8;
constexpr std::size_t kHeaderBytes = 4 + kChecksumBytes;

std::string segmentName(std::uint64_t segment)
{
    char name[32];
    std::snprintf(name, sizeof name, "%016llx.log", static_cast<unsigned long long>(segment));
    return name;
}

// The segment numbers present, ascending.
std::vector<std::uint64_t> segmentsIn(const fs::path& directory)
{
    std::vector<std::uint64_t> found;
    std::error_code error;
    for (const auto& item : fs::directory_iterator(directory, error)) {
        const std::string name = item.path().filename().string();
        if (name.size() != 20 || name.compare(16, 4, ".log") != 0 || name.find_first_not_of("0123456789abcdef") != 16)
            continue;
        found.push_back(std::stoull(name.substr(0, 16), nullptr, 16));
    }
    std::sort(found.begin(), found.end());
    return found;
}

std::string checksum(std::string_view payload)
{
    const Digest digest = sha256(ByteView(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
    return std::string(reinterpret_cast<const char*>(digest.data()), kChecksumBytes);
}

std::string frame(std::string_view payload)
{
    const auto size = static_cast<std::uint32_t>(payload.size());
    std::string out;
    out.reserve(kHeaderBytes + payload.size());
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((size >> shift) & 0xff));
    out += checksum(payload);
    out += payload;
    return out;
}

std::uint32_t lengthAt(std::string_view bytes)
{
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i)
        value = (value << 8) | static_cast<std::uint8_t>(bytes[static_cast<std::size_t>(i)]);
    return value;
}

bool writeAll(int fd, std::string_view bytes, std::uint64_t offset)
{
    while (!bytes.empty()) {
        const ssize_t written = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return false;
        bytes.remove_prefix(static_cast<std::size_t>(written));
        offset += static_cast<std::uint64_t>(written);
    }
    return true;
}

Status syncDirectory(const fs::path& directory)
{
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    const int error = errno;
    if (fd >= 0)
        ::close(fd);
    if (!synced)
        return makeError(ErrorCode::InternalError, {},
                         directory.string() + ": cannot sync the directory: " + std::strerror(error));
    return {};
}

} // namespace

Journal::Journal(fs::path directory, int lockFd, bool sync, std::uint64_t segmentBytes)
    : directory_(std::move(directory)), lockFd_(lockFd), sync_(sync), segmentBytes_(segmentBytes)
{
}

Journal::~Journal()
{
    if (fd_ >= 0)
        ::close(fd_);
    if (lockFd_ >= 0)
        ::close(lockFd_);
}

Error Journal::failure(const fs::path& file, std::string_view what, int error) const
{
    return makeError(ErrorCode::InternalError, {},
                     file.string() + ": " + std::string(what) + ": " + std::strerror(error));
}

Result<std::unique_ptr<Journal>> Journal::open(const fs::path& stateDirectory, bool sync, std::uint64_t segmentBytes)
{
    const fs::path directory = stateDirectory / "journal";
    if (Status made = ensureStateDirectory(stateDirectory); !made)
        return made.error();
    if (Status made = ensureStateDirectory(directory); !made)
        return made.error();
    const fs::path lockPath = directory / "lock";
    const int lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lockFd < 0)
        return makeError(ErrorCode::InternalError, {}, lockPath.string() + ": cannot open: " + std::strerror(errno));
    if (::flock(lockFd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(lockFd);
        if (error == EWOULDBLOCK)
            return makeError(ErrorCode::InternalError, {},
                             lockPath.string() + ": another process is writing this state directory");
        return makeError(ErrorCode::InternalError, {}, lockPath.string() + ": cannot lock: " + std::strerror(error));
    }
    return std::unique_ptr<Journal>(new Journal(directory, lockFd, sync, std::max<std::uint64_t>(segmentBytes, 4096)));
}

Status Journal::replay(JournalPosition from, const Visitor& visit)
{
    const std::lock_guard lock(mutex_);
    const std::vector<std::uint64_t> segments = segmentsIn(directory_);
    JournalPosition end = from;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const std::uint64_t segment = segments[i];
        if (segment < from.segment)
            continue;
        const fs::path path = directory_ / segmentName(segment);
        std::ifstream in(path, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof())
            return failure(path, "cannot read", errno);
        std::uint64_t offset = segment == from.segment ? from.offset : 0;
        if (offset > bytes.size())
            return makeError(ErrorCode::InternalError, {},
                             path.string() + ": shorter than what store.tdb has applied from it (damaged)");
        const bool last = i + 1 == segments.size();
        while (offset < bytes.size()) {
            const std::string_view rest(bytes.data() + offset, bytes.size() - offset);
            const bool whole = rest.size() >= kHeaderBytes && lengthAt(rest) <= rest.size() - kHeaderBytes;
            const std::string_view payload = whole ? rest.substr(kHeaderBytes, lengthAt(rest)) : std::string_view();
            if (!whole || checksum(payload) != rest.substr(4, kChecksumBytes)) {
                // Only the newest record can be unfinished: each append is
                // synced before the next one starts.
                const bool tail = last && (!whole || kHeaderBytes + payload.size() == rest.size());
                if (!tail)
                    return makeError(ErrorCode::InternalError, {},
                                     path.string() + ": damaged record at offset " + std::to_string(offset));
                if (::truncate(path.c_str(), static_cast<off_t>(offset)) != 0)
                    return failure(path, "cannot cut the unfinished record", errno);
                break;
            }
            offset += kHeaderBytes + payload.size();
            end = {segment, offset};
            if (Status s = visit(payload, end); !s)
                return s;
        }
        end = {segment, offset};
    }
    replayed_ = true;
    oldest_ = segments.empty() ? from.segment + 1 : segments.front();
    // Appends continue in the newest segment, or a fresh one past `from`.
    if (segments.empty() || segments.back() < from.segment)
        return startSegment(from.segment + 1);
    const fs::path path = directory_ / segmentName(end.segment);
    fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0)
        return failure(path, "cannot open", errno);
    end_ = end;
    return {};
}

Status Journal::startSegment(std::uint64_t segment)
{
    const fs::path path = directory_ / segmentName(segment);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return failure(path, "cannot create", errno);
    // The new file must survive a power loss before anything in it is
    // acknowledged.
    if (Status synced = sync_ ? syncDirectory(directory_) : Status(); !synced) {
        ::close(fd);
        return synced;
    }
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = fd;
    end_ = {segment, 0};
    return {};
}

Result<JournalPosition> Journal::append(std::string_view payload)
{
    const std::lock_guard lock(mutex_);
    if (!replayed_)
        return makeError(ErrorCode::InternalError, {}, directory_.string() + ": append before replay");
    if (payload.size() > UINT32_MAX - kHeaderBytes)
        return makeError(ErrorCode::InternalError, {}, "journal record too large");
    const std::string record = frame(payload);
    if (end_.offset > 0 && end_.offset + record.size() > segmentBytes_) {
        if (Status started = startSegment(end_.segment + 1); !started)
            return started.error();
    }
    const fs::path path = directory_ / segmentName(end_.segment);
    const bool written = writeAll(fd_, record, end_.offset);
    const int writeError = errno;
    if (!written || (sync_ && ::fdatasync(fd_) != 0)) {
        const int error = written ? errno : writeError;
        // Whatever part of the record reached the file goes: it was not
        // acknowledged, and the next record starts where this one did.
        [[maybe_unused]] int cut = ::ftruncate(fd_, static_cast<off_t>(end_.offset));
        return failure(path, written ? "cannot sync" : "cannot write", error);
    }
    end_.offset += record.size();
    return end_;
}

Status Journal::release(JournalPosition applied)
{
    const std::lock_guard lock(mutex_);
    // Segments are numbered consecutively: no need to list the directory.
    for (; oldest_ < std::min(applied.segment, end_.segment); ++oldest_) {
        const fs::path path = directory_ / segmentName(oldest_);
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            return failure(path, "cannot remove", errno);
    }
    return {};
}

} // namespace ocs::store
