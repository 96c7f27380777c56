// The side navigation's links, rendered in the browser from the items the server sends as data (side_nav.py's
// NavList): one NiceGUI element instead of ~60 (item, sections, icon, tooltip per link), which cost more than half
// the shell's server time per page view. Labels are people's text: only ever interpolated ({{ }} and :attr).
// `active` is bound as a boolean (Quasar marks an item only for true; a string "true" marked nothing), with
// aria-current for screen readers. The tooltip is for the rail, where the label is hidden; its delay keeps it out
// of the way in the full drawer.
export default {
  template: `
    <q-list dense padding>
      <q-item
        v-for="item in items"
        :key="item.testid"
        clickable
        tag="a"
        :href="item.path"
        :active="item.testid === active"
        :active-class="activeClass"
        :data-testid="item.testid"
        :aria-label="item.label"
        :aria-current="item.testid === active ? 'page' : undefined"
      >
        <q-item-section avatar>
          <q-icon :name="item.icon" aria-hidden="true" />
        </q-item-section>
        <q-item-section class="q-mini-drawer-hide">{{ item.label }}</q-item-section>
        <q-tooltip :delay="600" anchor="center right" self="center left">{{ item.label }}</q-tooltip>
      </q-item>
    </q-list>
  `,
  props: {
    items: { type: Array, default: () => [] }, // [{testid, label, icon, path}]
    active: { type: String, default: "" }, // the test id of the page's own item
    activeClass: { type: String, default: "" },
  },
};
