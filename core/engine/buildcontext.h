#pragma once

#include <QByteArray>
#include <QString>

namespace Shoal::Core {

/// A build context packed as the engine's build endpoint wants it: an uncompressed tar.
struct PackedContext
{
    QByteArray tar;
    QString error; ///< empty on success; names the file that could not be read
};

/// Packs the folder `contextDir` with libarchive, leaving out what its .dockerignore
/// excludes (the Dockerfile and .dockerignore are always kept). Reads files: call it off
/// the GUI thread.
PackedContext packBuildContext(const QString &contextDir);

} // namespace Shoal::Core
