// The language menu, rendered in the browser from the languages the server sends as data (language_menu.py's
// LanguageMenu): one NiceGUI element instead of a button, a menu and two per language. Choosing one emits
// "choose" with its code; the server checks the code and does the rest (account, cookie, reload).
export default {
  template: `
    <q-btn flat no-caps icon="translate" :label="label" :color="color || undefined">
      <q-menu>
        <q-item
          v-for="language in languages"
          :key="language.code"
          clickable
          v-close-popup
          :active="language.code === current"
          :data-testid="'language-' + language.code"
          :lang="language.tag"
          @click="$emit('choose', language.code)"
        >
          <q-item-section>{{ language.name }}</q-item-section>
        </q-item>
      </q-menu>
    </q-btn>
  `,
  props: {
    label: { type: String, default: "" }, // the current language's name
    color: { type: String, default: "" },
    current: { type: String, default: "" }, // the current language's code
    languages: { type: Array, default: () => [] }, // [{code, tag, name}]
  },
  emits: ["choose"],
};
