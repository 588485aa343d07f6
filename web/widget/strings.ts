/** The widget's own words in the four languages it ships (`language` setting; English otherwise). */

const en = {
  open: 'Open chat',
  openUnread: (n: number) => `Open chat, ${n} unread ${n === 1 ? 'message' : 'messages'}`,
  close: 'Close chat',
  chatWith: (name: string) => `Chat with ${name}`,
  messages: 'Messages',
  placeholder: 'Write a message…',
  send: 'Send',
  attach: 'Attach a file',
  removeFile: (name: string) => `Remove ${name}`,
  uploading: 'Uploading…',
  sending: 'Sending…',
  seen: 'Seen',
  typing: (name: string | null) => (name ? `${name} is typing…` : 'Typing…'),
  joined: (name: string) => `${name} joined the chat`,
  position: (n: number) => (n === 1 ? 'You are next in line.' : `You are number ${n} in line.`),
  estimate: (minutes: number) =>
    minutes <= 1 ? 'Expected wait: about a minute.' : `Expected wait: about ${minutes} minutes.`,
  noEstimate: 'We cannot say how long the wait is right now.',
  waiting: 'Waiting for an advisor',
  longWait: 'Rather not wait?',
  byEmail: 'Continue by email',
  callMe: 'Call me back',
  email: 'Email',
  phone: 'Phone number',
  name: 'Name',
  message: 'Message',
  submit: 'Send',
  cancel: 'Cancel',
  emailSent: 'Thank you: we will answer by email.',
  callbackSet: 'Thank you: we will call you back. You keep your place in line.',
  offlineTitle: 'We are away right now',
  onlineNow: 'Online now',
  offlineWhen: (when: string | null) =>
    when
      ? `Leave a message and we will answer from ${when}.`
      : 'Leave a message and we will answer as soon as we are back.',
  offlineThanks: (when: string | null) =>
    when
      ? `Thank you. We will answer from ${when}.`
      : 'Thank you. We will answer as soon as we are back.',
  transcript: 'Email me this conversation',
  transcriptSent: 'The conversation is on its way to your inbox.',
  resolved: 'This chat has ended. Write again to continue.',
  offlineNote: 'Nobody is available right now: we will answer as soon as we can.',
  reconnecting: 'Connection lost. Reconnecting…',
  fileType: (types: string) => `This kind of file cannot be sent. Allowed: ${types}.`,
  fileSize: (max: string) => `This file is too large: at most ${max}.`,
  fileEmpty: 'This file is empty.',
  failed: 'Something went wrong. Please try again.',
  signIn: 'Please sign in on this site to chat.',
};

export type Strings = typeof en;

const nl: Strings = {
  open: 'Chat openen',
  openUnread: (n) => `Chat openen, ${n} ${n === 1 ? 'nieuw bericht' : 'nieuwe berichten'}`,
  close: 'Chat sluiten',
  chatWith: (name) => `Chat met ${name}`,
  messages: 'Berichten',
  placeholder: 'Schrijf een bericht…',
  send: 'Versturen',
  attach: 'Bestand bijvoegen',
  removeFile: (name) => `${name} verwijderen`,
  uploading: 'Uploaden…',
  sending: 'Versturen…',
  seen: 'Gelezen',
  typing: (name) => (name ? `${name} typt…` : 'Typt…'),
  joined: (name) => `${name} neemt deel aan de chat`,
  position: (n) => (n === 1 ? 'U bent de volgende.' : `U bent nummer ${n} in de rij.`),
  estimate: (m) =>
    m <= 1
      ? 'Verwachte wachttijd: ongeveer een minuut.'
      : `Verwachte wachttijd: ongeveer ${m} minuten.`,
  noEstimate: 'We kunnen nu niet zeggen hoe lang het wachten duurt.',
  waiting: 'Wachten op een medewerker',
  longWait: 'Liever niet wachten?',
  byEmail: 'Verder per e-mail',
  callMe: 'Bel mij terug',
  email: 'E-mail',
  phone: 'Telefoonnummer',
  name: 'Naam',
  message: 'Bericht',
  submit: 'Versturen',
  cancel: 'Annuleren',
  emailSent: 'Dank u: we antwoorden per e-mail.',
  callbackSet: 'Dank u: we bellen u terug. U houdt uw plek in de rij.',
  offlineTitle: 'We zijn er nu niet',
  onlineNow: 'Nu online',
  offlineWhen: (when) =>
    when
      ? `Laat een bericht achter, we antwoorden vanaf ${when}.`
      : 'Laat een bericht achter, we antwoorden zodra we terug zijn.',
  offlineThanks: (when) =>
    when ? `Dank u. We antwoorden vanaf ${when}.` : 'Dank u. We antwoorden zodra we terug zijn.',
  transcript: 'Mail mij dit gesprek',
  transcriptSent: 'Het gesprek is onderweg naar uw inbox.',
  resolved: 'Deze chat is beëindigd. Schrijf opnieuw om verder te gaan.',
  offlineNote: 'Er is nu niemand beschikbaar: we antwoorden zo snel mogelijk.',
  reconnecting: 'Verbinding verbroken. Opnieuw verbinden…',
  fileType: (types) => `Dit soort bestand kan niet worden verstuurd. Toegestaan: ${types}.`,
  fileSize: (max) => `Dit bestand is te groot: maximaal ${max}.`,
  fileEmpty: 'Dit bestand is leeg.',
  failed: 'Er ging iets mis. Probeer het opnieuw.',
  signIn: 'Log in op deze site om te chatten.',
};

const de: Strings = {
  open: 'Chat öffnen',
  openUnread: (n) =>
    `Chat öffnen, ${n} ${n === 1 ? 'ungelesene Nachricht' : 'ungelesene Nachrichten'}`,
  close: 'Chat schließen',
  chatWith: (name) => `Chat mit ${name}`,
  messages: 'Nachrichten',
  placeholder: 'Nachricht schreiben…',
  send: 'Senden',
  attach: 'Datei anhängen',
  removeFile: (name) => `${name} entfernen`,
  uploading: 'Wird hochgeladen…',
  sending: 'Wird gesendet…',
  seen: 'Gelesen',
  typing: (name) => (name ? `${name} schreibt…` : 'Schreibt…'),
  joined: (name) => `${name} ist dem Chat beigetreten`,
  position: (n) =>
    n === 1 ? 'Sie sind als Nächste(r) dran.' : `Sie sind Nummer ${n} in der Warteschlange.`,
  estimate: (m) =>
    m <= 1 ? 'Erwartete Wartezeit: etwa eine Minute.' : `Erwartete Wartezeit: etwa ${m} Minuten.`,
  noEstimate: 'Wir können gerade nicht sagen, wie lange es dauert.',
  waiting: 'Warten auf einen Berater',
  longWait: 'Lieber nicht warten?',
  byEmail: 'Per E-Mail weiter',
  callMe: 'Rückruf',
  email: 'E-Mail',
  phone: 'Telefonnummer',
  name: 'Name',
  message: 'Nachricht',
  submit: 'Senden',
  cancel: 'Abbrechen',
  emailSent: 'Danke: Wir antworten per E-Mail.',
  callbackSet: 'Danke: Wir rufen Sie zurück. Ihr Platz in der Warteschlange bleibt.',
  offlineTitle: 'Wir sind gerade nicht da',
  onlineNow: 'Jetzt online',
  offlineWhen: (when) =>
    when
      ? `Hinterlassen Sie eine Nachricht, wir antworten ab ${when}.`
      : 'Hinterlassen Sie eine Nachricht, wir antworten, sobald wir zurück sind.',
  offlineThanks: (when) =>
    when ? `Danke. Wir antworten ab ${when}.` : 'Danke. Wir antworten, sobald wir zurück sind.',
  transcript: 'Dieses Gespräch per E-Mail senden',
  transcriptSent: 'Das Gespräch ist auf dem Weg in Ihr Postfach.',
  resolved: 'Dieser Chat ist beendet. Schreiben Sie erneut, um fortzufahren.',
  offlineNote: 'Gerade ist niemand erreichbar: Wir antworten so bald wie möglich.',
  reconnecting: 'Verbindung unterbrochen. Verbinde neu…',
  fileType: (types) => `Diese Dateiart kann nicht gesendet werden. Erlaubt: ${types}.`,
  fileSize: (max) => `Diese Datei ist zu groß: höchstens ${max}.`,
  fileEmpty: 'Diese Datei ist leer.',
  failed: 'Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.',
  signIn: 'Bitte melden Sie sich auf dieser Seite an, um zu chatten.',
};

const fr: Strings = {
  open: 'Ouvrir le chat',
  openUnread: (n) => `Ouvrir le chat, ${n} ${n === 1 ? 'message non lu' : 'messages non lus'}`,
  close: 'Fermer le chat',
  chatWith: (name) => `Discuter avec ${name}`,
  messages: 'Messages',
  placeholder: 'Écrivez un message…',
  send: 'Envoyer',
  attach: 'Joindre un fichier',
  removeFile: (name) => `Retirer ${name}`,
  uploading: 'Envoi du fichier…',
  sending: 'Envoi…',
  seen: 'Lu',
  typing: (name) => (name ? `${name} écrit…` : 'Écrit…'),
  joined: (name) => `${name} a rejoint le chat`,
  position: (n) => (n === 1 ? 'Vous êtes le prochain.' : `Vous êtes numéro ${n} dans la file.`),
  estimate: (m) =>
    m <= 1 ? 'Attente prévue : environ une minute.' : `Attente prévue : environ ${m} minutes.`,
  noEstimate: 'Nous ne pouvons pas estimer l’attente pour le moment.',
  waiting: 'En attente d’un conseiller',
  longWait: 'Vous préférez ne pas attendre ?',
  byEmail: 'Continuer par e-mail',
  callMe: 'Être rappelé',
  email: 'E-mail',
  phone: 'Numéro de téléphone',
  name: 'Nom',
  message: 'Message',
  submit: 'Envoyer',
  cancel: 'Annuler',
  emailSent: 'Merci : nous vous répondrons par e-mail.',
  callbackSet: 'Merci : nous vous rappellerons. Vous gardez votre place dans la file.',
  offlineTitle: 'Nous sommes absents pour le moment',
  onlineNow: 'En ligne',
  offlineWhen: (when) =>
    when
      ? `Laissez un message, nous répondrons à partir de ${when}.`
      : 'Laissez un message, nous répondrons dès notre retour.',
  offlineThanks: (when) =>
    when
      ? `Merci. Nous répondrons à partir de ${when}.`
      : 'Merci. Nous répondrons dès notre retour.',
  transcript: 'M’envoyer cette conversation',
  transcriptSent: 'La conversation arrive dans votre boîte mail.',
  resolved: 'Ce chat est terminé. Écrivez à nouveau pour continuer.',
  offlineNote: 'Personne n’est disponible pour le moment : nous répondrons dès que possible.',
  reconnecting: 'Connexion perdue. Reconnexion…',
  fileType: (types) => `Ce type de fichier ne peut pas être envoyé. Autorisés : ${types}.`,
  fileSize: (max) => `Ce fichier est trop lourd : ${max} au maximum.`,
  fileEmpty: 'Ce fichier est vide.',
  failed: 'Une erreur s’est produite. Veuillez réessayer.',
  signIn: 'Connectez-vous sur ce site pour discuter.',
};

const all: Record<string, Strings> = { en, nl, de, fr };

/** The strings for a BCP 47 tag (`nl-BE` → Dutch); English for any other language. */
export function stringsFor(language: string): Strings {
  return all[language.toLowerCase().split('-')[0] ?? 'en'] ?? en;
}
