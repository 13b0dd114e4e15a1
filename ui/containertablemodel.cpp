#include "containertablemodel.h"

#include "logging.h"

#include <QLocale>
#include <QPainter>
#include <QPixmap>
#include <QSet>

#include <algorithm>

namespace Shoal::Ui {

namespace {
constexpr int IconSize = 12;
constexpr int NameNumberWidth = 6;
const QString NoValue = QStringLiteral("–");

QString formatUptime(qint64 seconds)
{
    if (seconds < 60) {
        return ContainerTableModel::tr("%1 s").arg(seconds);
    }
    const qint64 minutes = seconds / 60;
    if (minutes < 60) {
        return ContainerTableModel::tr("%1 min %2 s").arg(minutes).arg(seconds % 60);
    }
    const qint64 hours = minutes / 60;
    if (hours < 48) {
        return ContainerTableModel::tr("%1 h %2 min").arg(hours).arg(minutes % 60);
    }
    return ContainerTableModel::tr("%1 d %2 h").arg(hours / 24).arg(hours % 24);
}

QString formatPorts(const QList<QPair<int, quint16>> &ports)
{
    QStringList parts;
    for (const auto &port : ports) {
        parts.append(QStringLiteral("%1→%2").arg(port.second).arg(port.first));
    }
    return parts.join(QStringLiteral(", "));
}

bool isNumericColumn(int column)
{
    switch (column) {
    case ContainerTableModel::CpuColumn:
    case ContainerTableModel::MemoryColumn:
    case ContainerTableModel::RequestsColumn:
    case ContainerTableModel::RequestRateColumn:
    case ContainerTableModel::P99Column:
    case ContainerTableModel::UptimeColumn:
        return true;
    default:
        return false;
    }
}
} // namespace

ContainerTableModel::ContainerTableModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{}

ContainerTableModel::~ContainerTableModel() = default;

void ContainerTableModel::setMetricsStore(Core::MetricsStore *store)
{
    if (m_store == store) {
        return;
    }
    disconnect(m_storeConnection);
    m_store = store;
    if (m_store) {
        m_storeConnection = connect(m_store, &Core::MetricsStore::updated, this,
                                    &ContainerTableModel::refreshMetrics);
    }
    refreshMetrics();
}

void ContainerTableModel::setReplicas(const QList<Core::ReplicaInfo> &replicas)
{
    QHash<QString, int> incoming;
    for (int i = 0; i < replicas.size(); ++i) {
        incoming.insert(replicas.at(i).name, i);
    }

    // Rows that went away are removed one by one from the end, so the indexes of rows not
    // yet looked at stay valid and views keep the selection of the rows that remain.
    for (int row = m_rows.size() - 1; row >= 0; --row) {
        if (!incoming.contains(m_rows.at(row).info.name)) {
            qCDebug(lcUi) << "container table drops" << m_rows.at(row).info.name;
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }

    const QStringList known = m_store ? m_store->replicas() : QStringList();
    QSet<QString> present;
    for (Row &row : m_rows) {
        row.info = replicas.at(incoming.value(row.info.name));
        readMetrics(row, known);
        present.insert(row.info.name);
    }
    if (!m_rows.isEmpty()) {
        Q_EMIT dataChanged(index(0, 0), index(m_rows.size() - 1, ColumnCount - 1));
    }

    QVector<Row> added;
    for (const Core::ReplicaInfo &info : replicas) {
        if (present.contains(info.name)) {
            continue;
        }
        Row row;
        row.info = info;
        readMetrics(row, known);
        added.append(row);
        present.insert(info.name);
    }
    if (!added.isEmpty()) {
        qCDebug(lcUi) << "container table adds" << added.size() << "rows";
        beginInsertRows({}, m_rows.size(), m_rows.size() + added.size() - 1);
        m_rows.append(added);
        endInsertRows();
    }
}

void ContainerTableModel::refreshMetrics()
{
    if (m_rows.isEmpty()) {
        return;
    }
    const QStringList known = m_store ? m_store->replicas() : QStringList();
    for (Row &row : m_rows) {
        readMetrics(row, known);
    }
    // Uptime moves with the clock, so it is refreshed together with the metrics.
    Q_EMIT dataChanged(index(0, CpuColumn), index(m_rows.size() - 1, UptimeColumn));
}

void ContainerTableModel::setClock(std::function<QDateTime()> clock)
{
    m_clock = std::move(clock);
}

void ContainerTableModel::setCpuScale(CpuScale scale)
{
    if (m_cpuScale == scale) {
        return;
    }
    m_cpuScale = scale;
    Q_EMIT headerDataChanged(Qt::Horizontal, CpuColumn, CpuColumn);
    if (!m_rows.isEmpty()) {
        Q_EMIT dataChanged(index(0, CpuColumn), index(m_rows.size() - 1, CpuColumn));
    }
}

int ContainerTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows.size();
}

int ContainerTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ContainerTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Row &row = m_rows.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayData(row, column);
    case SortRole:
        return sortData(row, column);
    case ReplicaNameRole:
        return row.info.name;
    case ServiceNameRole:
        return row.info.service;
    case Qt::ToolTipRole:
        return toolTipData(row, column);
    case Qt::DecorationRole:
        return column == StateColumn ? QVariant(stateIcon(row)) : QVariant();
    case Qt::TextAlignmentRole:
        return isNumericColumn(column) ? int(Qt::AlignRight | Qt::AlignVCenter)
                                       : int(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant ContainerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == CpuColumn) {
        return cpuScaleTitle(m_cpuScale);
    }
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
    case NameColumn:
        return tr("Name");
    case ServiceColumn:
        return tr("Service");
    case StateColumn:
        return tr("State");
    case CpuColumn:
        switch (m_cpuScale) {
        case CpuScale::PerCore:
            return tr("CPU %");
        case CpuScale::HostShare:
            return tr("CPU % host");
        case CpuScale::LimitShare:
            return tr("CPU % limit");
        }
        return {};
    case MemoryColumn:
        return tr("Memory");
    case RequestsColumn:
        return tr("Requests");
    case RequestRateColumn:
        return tr("Req/s");
    case P99Column:
        return tr("p99 ms");
    case UptimeColumn:
        return tr("Uptime");
    case PortsColumn:
        return tr("Ports");
    default:
        return {};
    }
}

void ContainerTableModel::readMetrics(Row &row, const QStringList &known) const
{
    row.hasMetrics = m_store && known.contains(row.info.name);
    row.metrics = row.hasMetrics ? m_store->latest(row.info.name) : Core::ReplicaMetrics{};
}

QVariant ContainerTableModel::displayData(const Row &row, int column) const
{
    const QLocale locale;
    const Core::ReplicaMetrics &m = row.metrics;
    switch (column) {
    case NameColumn:
        return row.info.name;
    case ServiceColumn:
        return row.info.service;
    case StateColumn:
        return row.info.health.isEmpty()
                   ? row.info.state
                   : QStringLiteral("%1 (%2)").arg(row.info.state, row.info.health);
    case CpuColumn:
        return row.hasMetrics ? locale.toString(scaledCpu(m, m_cpuScale), 'f', 1) : NoValue;
    case MemoryColumn:
        return row.hasMetrics ? locale.formattedDataSize(qint64(m.memoryBytes), 1) : NoValue;
    case RequestsColumn:
        return row.hasMetrics ? locale.toString(m.requestsTotal) : NoValue;
    case RequestRateColumn:
        return row.hasMetrics ? locale.toString(m.requestsPerSecond, 'f', 1) : NoValue;
    case P99Column:
        return row.hasMetrics && m.requestsTotal > 0 ? locale.toString(m.p99Ms, 'f', 1) : NoValue;
    case UptimeColumn: {
        const qint64 seconds = uptimeSeconds(row);
        return seconds < 0 ? NoValue : formatUptime(seconds);
    }
    case PortsColumn:
        return formatPorts(row.info.publishedPorts);
    default:
        return {};
    }
}

QVariant ContainerTableModel::sortData(const Row &row, int column) const
{
    // Rows without metrics sort below every measured value, so -1 stands for "none".
    const Core::ReplicaMetrics &m = row.metrics;
    switch (column) {
    case NameColumn:
        // Zero-padding the replica number keeps web-10 after web-9.
        return QStringLiteral("%1\x1f%2\x1f%3")
            .arg(row.info.service)
            .arg(row.info.number, NameNumberWidth, 10, QLatin1Char('0'))
            .arg(row.info.name);
    case ServiceColumn:
        return row.info.service;
    case StateColumn:
        return displayData(row, column);
    case CpuColumn:
        return row.hasMetrics ? scaledCpu(m, m_cpuScale) : -1.0;
    case MemoryColumn:
        return row.hasMetrics ? double(m.memoryBytes) : -1.0;
    case RequestsColumn:
        return row.hasMetrics ? double(m.requestsTotal) : -1.0;
    case RequestRateColumn:
        return row.hasMetrics ? m.requestsPerSecond : -1.0;
    case P99Column:
        return row.hasMetrics && m.requestsTotal > 0 ? m.p99Ms : -1.0;
    case UptimeColumn:
        return uptimeSeconds(row);
    case PortsColumn:
        return row.info.publishedPorts.isEmpty() ? 0 : int(row.info.publishedPorts.first().second);
    default:
        return {};
    }
}

QVariant ContainerTableModel::toolTipData(const Row &row, int column) const
{
    switch (column) {
    case StateColumn:
        return row.info.inRotation ? tr("Receives requests from the proxy")
                                   : tr("Not in the proxy's rotation");
    case CpuColumn:
        // Whichever scale is chosen, say what 100 means and how many cores the engine has.
        return row.hasMetrics && row.metrics.onlineCpus > 0
                   ? cpuScaleExplanation(m_cpuScale, row.metrics.onlineCpus, row.metrics.cpuLimit)
                   : QVariant();
    case MemoryColumn:
        return row.hasMetrics && row.metrics.memoryLimit > 0
                   ? tr("Limit %1")
                         .arg(QLocale().formattedDataSize(qint64(row.metrics.memoryLimit), 1))
                   : QVariant();
    case RequestsColumn:
        return row.hasMetrics ? tr("%n failed", nullptr, int(row.metrics.failures)) : QVariant();
    case P99Column:
        return row.hasMetrics && row.metrics.requestsTotal > 0
                   ? tr("p50 %1 ms").arg(QLocale().toString(row.metrics.p50Ms, 'f', 1))
                   : QVariant();
    case PortsColumn:
        return row.info.publishedPorts.isEmpty() ? QVariant()
                                                 : tr("127.0.0.1 host port → "
                                                      "container port");
    default:
        return {};
    }
}

qint64 ContainerTableModel::uptimeSeconds(const Row &row) const
{
    if (row.info.state != QLatin1String("running") || !row.info.startedAt.isValid()) {
        return -1;
    }
    return std::max<qint64>(0, row.info.startedAt.secsTo(m_clock()));
}

QIcon ContainerTableModel::stateIcon(const Row &row) const
{
    const QString &state = row.info.state;
    Tone tone = Tone::Idle;
    if (state == QLatin1String("running")) {
        if (row.info.health == QLatin1String("unhealthy")) {
            tone = Tone::Bad;
        } else if (row.info.health == QLatin1String("starting")) {
            tone = Tone::Busy;
        } else {
            tone = Tone::Good;
        }
    } else if (state == QLatin1String("draining") || state == QLatin1String("created") ||
               state == QLatin1String("restarting") || state == QLatin1String("removing")) {
        tone = Tone::Busy;
    } else if (state == QLatin1String("dead")) {
        tone = Tone::Bad;
    }

    auto it = m_icons.constFind(int(tone));
    if (it != m_icons.constEnd()) {
        return it.value();
    }
    // Fixed traffic-light colours: they carry meaning, so they do not follow the palette.
    QColor color;
    switch (tone) {
    case Tone::Good:
        color = QColor(0x2e, 0x9d, 0x4f);
        break;
    case Tone::Busy:
        color = QColor(0xd8, 0x9a, 0x16);
        break;
    case Tone::Bad:
        color = QColor(0xd0, 0x40, 0x3a);
        break;
    case Tone::Idle:
        color = QColor(0x8a, 0x8a, 0x8a);
        break;
    }
    QPixmap pixmap(IconSize, IconSize);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(color.darker(130));
    painter.setBrush(color);
    painter.drawEllipse(QRectF(1, 1, IconSize - 2, IconSize - 2));
    painter.end();
    const QIcon icon(pixmap);
    m_icons.insert(int(tone), icon);
    return icon;
}

} // namespace Shoal::Ui
