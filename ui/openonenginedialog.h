#pragma once

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLineEdit;

namespace Shoal::Ui {

/// Asks for a compose file and the engine to open it on: a docker context name or an
/// address such as unix:///path.sock or tcp://host:2376. It only collects the choice; the
/// application resolves and connects.
class OpenOnEngineDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OpenOnEngineDialog)

public:
    explicit OpenOnEngineDialog(QWidget *parent = nullptr);

    void setComposeFile(const QString &path);
    QString composeFile() const;
    /// Where Browse… starts when no file is entered yet.
    void setComposeFolder(const QString &folder) { m_folder = folder; }
    /// Prefills the engine, typically the current tab's address.
    void setEngine(const QString &engine);
    QString engine() const;

private:
    void browse();
    void updateButtons();

    QLineEdit *m_fileEdit;
    QComboBox *m_engineBox;
    QDialogButtonBox *m_buttons;
    QString m_folder;
};

} // namespace Shoal::Ui
