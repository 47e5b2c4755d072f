// Reading a password for the command-line tools: never from argv (it would
// show in ps and shell history), but from a file or standard input.
#pragma once

#include <optional>
#include <string>

namespace ocs::tools {

struct PasswordPrompt {
    std::string prompt = "Password: ";
    bool confirm = false; // on a terminal, ask twice
};

// From `file` when given, else from standard input: the first line without
// its newline; on a terminal with echo off and a prompt on stderr. The
// password must be non-empty UTF-8 (clients send its UTF-8 bytes, without
// SASLprep). On failure returns nothing and sets `error`.
std::optional<std::string> readPassword(const std::string& file, const PasswordPrompt& prompt, std::string& error);

} // namespace ocs::tools
