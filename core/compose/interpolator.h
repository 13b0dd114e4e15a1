#pragma once

#include <QString>

#include <functional>
#include <optional>

namespace Shoal::Core {

/// Expands compose's variable syntax in one string.
///
/// `$$` is a literal dollar; `$NAME` and `${NAME}` substitute; `${NAME:-default}`,
/// `${NAME-default}`, `${NAME:?message}`, `${NAME?message}`, `${NAME:+alternative}` and
/// `${NAME+alternative}` behave as in the compose specification, with the text after the
/// operator expanded again so that defaults may nest. A `$` that starts none of these is an
/// error, as in compose, rather than a literal.
class Interpolator
{
public:
    using Lookup = std::function<std::optional<QString>(const QString &name)>;

    /// Nested `${...}` deeper than this is refused: the expansion recurses per level.
    static constexpr int MaxNesting = 32;

    struct Result
    {
        std::optional<QString> value;
        QString error; ///< "required variable X is missing a value: ...", "invalid ..."
    };

    /// Strict is compose file syntax. Lenient is for .env files, where compose keeps a `$`
    /// that starts no variable as it is, so that passwords like "pa$5" survive.
    enum class Syntax
    {
        Strict,
        Lenient
    };

    explicit Interpolator(Lookup lookup, Syntax syntax = Syntax::Strict);

    Result expand(const QString &text) const;

    /// True when text has a `$` that expand() would act on.
    static bool needsExpansion(const QString &text) { return text.contains(QLatin1Char('$')); }

private:
    Result expand(const QString &text, int depth) const;
    /// Expands the `${...}` whose body starts at text[start]; sets end past the `}`.
    Result expandBraced(const QString &text, int start, int &end, int depth) const;

    Lookup m_lookup;
    Syntax m_syntax;
};

} // namespace Shoal::Core
