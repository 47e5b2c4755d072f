// Versioned, length-prefixed binary records (the layout of every TDB value):
// integers big-endian, byte strings as a 32-bit length then the bytes. The
// reader never reads past its input and reports truncation instead.
#pragma once

#include "common/bytes.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ocs {

class BinaryWriter {
  public:
    void u8(std::uint8_t value);
    void u16(std::uint16_t value);
    void u32(std::uint32_t value);
    void u64(std::uint64_t value);
    void raw(ByteView bytes);    // fixed-size field: no length prefix
    void string(ByteView bytes); // length-prefixed

    const std::string& data() const { return data_; }

  private:
    std::string data_;
};

class BinaryReader {
  public:
    explicit BinaryReader(std::string_view data) : data_(data) {}

    std::optional<std::uint8_t> u8();
    std::optional<std::uint16_t> u16();
    std::optional<std::uint32_t> u32();
    std::optional<std::uint64_t> u64();
    std::optional<std::string_view> raw(std::size_t size);
    std::optional<std::string_view> string();

    bool atEnd() const { return data_.empty(); }

  private:
    std::string_view data_;
};

} // namespace ocs
