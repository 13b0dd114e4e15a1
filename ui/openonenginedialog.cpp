#include "openonenginedialog.h"

#include <core/engine/engineendpoint.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace Shoal::Ui {

OpenOnEngineDialog::OpenOnEngineDialog(QWidget *parent)
    : QDialog(parent)
    , m_fileEdit(new QLineEdit(this))
    , m_engineBox(new QComboBox(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("openOnEngineDialog"));
    setWindowTitle(tr("Open on Engine"));

    m_fileEdit->setObjectName(QStringLiteral("composeFileEdit"));
    m_fileEdit->setAccessibleName(tr("Compose file"));
    auto *browse = new QPushButton(tr("&Browse…"), this);
    browse->setObjectName(QStringLiteral("browseButton"));
    connect(browse, &QPushButton::clicked, this, &OpenOnEngineDialog::browse);
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_fileEdit, 1);
    fileRow->addWidget(browse);

    m_engineBox->setObjectName(QStringLiteral("engineBox"));
    m_engineBox->setAccessibleName(tr("Engine"));
    m_engineBox->setEditable(true);
    m_engineBox->setInsertPolicy(QComboBox::NoInsert);
    m_engineBox->setMinimumContentsLength(32);
    m_engineBox->addItems(Core::dockerContextNames());
    m_engineBox->setToolTip(tr("A docker context name, or an address: unix:///path/docker.sock, "
                               "tcp://host:2375, tcp://host:2376 with DOCKER_TLS_VERIFY"));

    auto *form = new QFormLayout(this);
    // A row of a layout gets no buddy from QFormLayout, so the shortcut is set by hand.
    auto *fileLabel = new QLabel(tr("Compose &file:"), this);
    fileLabel->setBuddy(m_fileEdit);
    form->addRow(fileLabel, fileRow);
    form->addRow(tr("&Engine:"), m_engineBox);
    form->addRow(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_fileEdit, &QLineEdit::textChanged, this, &OpenOnEngineDialog::updateButtons);
    connect(m_engineBox, &QComboBox::editTextChanged, this, &OpenOnEngineDialog::updateButtons);
    updateButtons();
}

void OpenOnEngineDialog::setComposeFile(const QString &path)
{
    m_fileEdit->setText(path);
}

QString OpenOnEngineDialog::composeFile() const
{
    return QFileInfo(m_fileEdit->text().trimmed()).absoluteFilePath();
}

void OpenOnEngineDialog::setEngine(const QString &engine)
{
    m_engineBox->setCurrentText(engine);
}

QString OpenOnEngineDialog::engine() const
{
    return m_engineBox->currentText().trimmed();
}

void OpenOnEngineDialog::browse()
{
    const QString start =
        m_fileEdit->text().isEmpty() ? m_folder : QFileInfo(m_fileEdit->text()).absolutePath();
    // open() instead of exec(): a nested loop would hold up every stack's event handling.
    auto *dialog = new QFileDialog(this, tr("Open Compose File"), start,
                                   tr("Compose files (*.yaml *.yml);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, &OpenOnEngineDialog::setComposeFile);
    dialog->open();
}

void OpenOnEngineDialog::updateButtons()
{
    const QString file = m_fileEdit->text().trimmed();
    const bool usable = !file.isEmpty() && QFileInfo(file).isFile() && !engine().isEmpty();
    m_buttons->button(QDialogButtonBox::Open)->setEnabled(usable);
}

} // namespace Shoal::Ui
