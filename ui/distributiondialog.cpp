#include "distributiondialog.h"

#include "distributiontest.h"
#include "replicaappearance.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace Shoal::Ui {

namespace {
enum Column
{
    ReplicaColumn,
    RequestsColumn,
    ShareColumn,
    ColumnCount
};
constexpr int SwatchSize = 12;
const QSize DialogSize(460, 380);

QIcon swatch(const QColor &color)
{
    QPixmap pixmap(SwatchSize, SwatchSize);
    pixmap.fill(color);
    return QIcon(pixmap);
}
} // namespace

DistributionDialog::DistributionDialog(const QString &service, Core::ProxyServer *proxy,
                                       quint16 port, ReplicaAppearance *appearance, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_appearance(appearance)
    , m_test(new DistributionTest(proxy, port, this))
    , m_summary(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_table(new QTreeWidget(this))
    , m_runButton(new QPushButton(tr("&Run again"), this))
{
    setObjectName(QStringLiteral("distributionDialog:%1").arg(service));
    setWindowTitle(tr("Distribution of %1").arg(service));
    setModal(false);
    resize(DialogSize);

    auto *intro = new QLabel(tr("%1 requests, %2 at a time, to 127.0.0.1:%3 (at most %4 s).")
                                 .arg(DistributionTest::DefaultRequests)
                                 .arg(DistributionTest::DefaultConcurrency)
                                 .arg(port)
                                 .arg(DistributionTest::TimeLimitMs / 1000),
                             this);
    intro->setWordWrap(true);
    m_summary->setObjectName(QStringLiteral("distributionSummary"));
    m_summary->setAccessibleName(tr("Test result"));
    m_summary->setWordWrap(true);
    m_progress->setAccessibleName(tr("Requests done"));
    m_progress->setRange(0, DistributionTest::DefaultRequests);

    m_table->setObjectName(QStringLiteral("distributionTable"));
    m_table->setAccessibleName(tr("Requests per replica"));
    m_table->setRootIsDecorated(false);
    m_table->setColumnCount(ColumnCount);
    m_table->setHeaderLabels({tr("Replica"), tr("Requests"), tr("Share")});
    m_table->header()->setSectionResizeMode(ReplicaColumn, QHeaderView::Stretch);

    m_runButton->setObjectName(QStringLiteral("distributionRun"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_runButton, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    connect(m_runButton, &QPushButton::clicked, this, &DistributionDialog::run);

    connect(m_test, &DistributionTest::progressed, this,
            [this](int done) { m_progress->setValue(done); });
    connect(m_test, &DistributionTest::finished, this, &DistributionDialog::showResult);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_progress);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_summary);
    layout->addWidget(buttons);
}

DistributionDialog::~DistributionDialog() = default;

void DistributionDialog::run()
{
    if (m_test->isRunning()) {
        return;
    }
    m_runButton->setEnabled(false);
    m_progress->setValue(0);
    m_summary->setText(tr("Sending…"));
    m_test->start();
}

int DistributionDialog::requestsOf(const QString &replica) const
{
    const auto &counts = m_test->result().perReplica;
    return counts.contains(replica) ? int(counts.value(replica)) : -1;
}

void DistributionDialog::showResult()
{
    const DistributionTest::Result &result = m_test->result();
    const QLocale locale;
    m_table->clear();
    quint64 counted = 0;
    for (const quint64 count : result.perReplica) {
        counted += count;
    }
    const QStringList replicas = ReplicaAppearance::sorted(result.perReplica.keys());
    for (const QString &replica : replicas) {
        const quint64 count = result.perReplica.value(replica);
        auto *item = new QTreeWidgetItem(m_table);
        item->setText(ReplicaColumn, m_appearance->labelFor(replica));
        item->setIcon(ReplicaColumn, swatch(m_appearance->colorFor(replica)));
        item->setText(RequestsColumn, locale.toString(count));
        item->setTextAlignment(RequestsColumn, Qt::AlignRight | Qt::AlignVCenter);
        const double share = counted > 0 ? 100.0 * double(count) / double(counted) : 0;
        item->setText(ShareColumn, tr("%1 %").arg(locale.toString(share, 'f', 1)));
        item->setTextAlignment(ShareColumn, Qt::AlignRight | Qt::AlignVCenter);
    }
    QString summary = tr("%1 answered, %2 failed in %3 s; %n replica(s) took part.", nullptr,
                         int(replicas.size()))
                          .arg(result.answered)
                          .arg(result.failed)
                          .arg(locale.toString(result.elapsedMs / 1000.0, 'f', 1));
    if (result.timedOut) {
        summary += QLatin1Char(' ') + tr("The time limit cut the burst short.");
    }
    if (replicas.isEmpty()) {
        summary += QLatin1Char(' ') + tr("The proxy counted no request for any replica.");
    }
    m_summary->setText(summary);
    m_runButton->setEnabled(true);
    Q_EMIT testFinished();
}

} // namespace Shoal::Ui
