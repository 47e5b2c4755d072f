// A small streaming JSON writer for the tools' --json output: one document,
// strings always valid JSON whatever bytes they hold (state files are
// written by other processes and may hold anything).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ocs::tools {

// Quotes and escapes `text`: '"' and '\' escaped, control characters and
// DEL as \u00XX, bytes that are not well-formed UTF-8 replaced by \ufffd.
std::string jsonQuoted(std::string_view text);

// Writes arrays and objects as they are opened and closed; the elements of
// the outermost array each go on a line of their own, everything deeper
// stays on that line. Misuse (a value where a key is due, unbalanced ends)
// is a programming error, not checked at run time.
class JsonWriter {
  public:
    explicit JsonWriter(std::ostream& out) : out_(out) {}

    void beginArray();
    void endArray();
    void beginObject();
    void endObject();

    // The next value's member name, inside an object.
    JsonWriter& key(std::string_view name);

    void value(std::string_view text);
    void value(const char* text) { value(std::string_view(text)); }
    void value(const std::string& text) { value(std::string_view(text)); }
    void value(std::uint64_t number);
    void value(std::int64_t number);
    void value(std::uint32_t number) { value(std::uint64_t{number}); }
    void value(bool flag);
    void null();
    // null when absent.
    void value(const std::optional<std::uint32_t>& number);

  private:
    struct Level {
        char close;
        bool empty = true;
    };

    void separate(); // before a value or a key
    void open(char opening, char closing);
    void close();

    std::ostream& out_;
    std::vector<Level> levels_;
    bool afterKey_ = false;
};

} // namespace ocs::tools
