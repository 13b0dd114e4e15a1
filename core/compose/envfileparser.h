#pragma once

#include "interpolator.h"

#include <QMap>
#include <QString>

#include <optional>

namespace Shoal::Core {

/// Reads `.env` and `env_file` files the way compose does.
///
/// `KEY=value` lines, an optional `export ` prefix, full-line comments and ` #` comments after
/// unquoted values; double quotes allow escapes (`\n`, `\t`, `\"`, `\\`) and variables;
/// single quotes are literal; both may span lines. Variables refer to keys defined earlier
/// in the file first, then to the lookup. A bare `KEY` takes its value from the lookup and is
/// left out when the lookup has none.
class EnvFileParser
{
public:
    /// Refuses files bigger than this rather than reading them whole.
    static constexpr qint64 MaxFileSize = 4 * 1024 * 1024;

    struct Result
    {
        std::optional<QMap<QString, QString>> values;
        QString error; ///< "app.env:3: invalid variable name \"BAD KEY\""
    };

    static Result parse(const QString &text, const QString &fileName,
                        const Interpolator::Lookup &lookup);
    /// displayName is used in messages; path is what is opened.
    static Result parseFile(const QString &path, const QString &displayName,
                            const Interpolator::Lookup &lookup);
};

} // namespace Shoal::Core
