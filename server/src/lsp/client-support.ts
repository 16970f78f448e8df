// lsp front-end: what the connected client can do, read once from its initialize
// capabilities; the server, the publisher and the workspace tasks decide by it.
import type { ClientCapabilities } from 'vscode-languageserver';
import { EXPLANATION_CAPABILITY, type FsdaxAuditClientCapabilities } from '../protocol';

export interface ClientSupport {
  configuration: boolean;
  relatedInformation: boolean;
  workDoneProgress: boolean;
  showDocument: boolean;
  watchedFilesRegistration: boolean;
  configurationRegistration: boolean;
  /** experimental.fsdaxAudit.explanationView: the client shows explanations itself (the VS Code webview). */
  explanationView: boolean;
}

/** Before initialize: assume nothing. */
export const NO_CLIENT_SUPPORT: ClientSupport = {
  configuration: false, relatedInformation: false, workDoneProgress: false, showDocument: false,
  watchedFilesRegistration: false, configurationRegistration: false, explanationView: false,
};

export function clientSupportOf(caps: ClientCapabilities): ClientSupport {
  return {
    configuration: !!caps.workspace?.configuration,
    configurationRegistration: !!caps.workspace?.didChangeConfiguration?.dynamicRegistration,
    relatedInformation: !!caps.textDocument?.publishDiagnostics?.relatedInformation,
    workDoneProgress: !!caps.window?.workDoneProgress,
    showDocument: !!caps.window?.showDocument?.support,
    watchedFilesRegistration: !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration,
    explanationView: !!(caps.experimental as Record<string, FsdaxAuditClientCapabilities | undefined> | undefined)?.[EXPLANATION_CAPABILITY]?.explanationView,
  };
}
