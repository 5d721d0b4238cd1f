/*
 * Mentions in a reply box: typing "@" and a few letters of a person's real name or username
 * lists the people who may read the thread (the server asks the access policy: the box's
 * data-mentions URL); choosing one writes "@username " into the text, which the server turns
 * into a notification and a highlighted link to that person.
 */
import { el } from "../js/dom.js";

const QUERY = /(^|[\s(（，。、])@([^\s@]{1,30})$/u;

export function attachMentions(textarea) {
  if (!textarea || !textarea.dataset.mentions) return;
  const list = el("ul", { class: "mention-list plain card", role: "listbox", id: textarea.id + "-mentions", hidden: "" });
  textarea.after(list);
  textarea.setAttribute("aria-controls", list.id);
  let timer = null;
  let asked = 0;
  let active = -1;

  function close() { list.hidden = true; list.replaceChildren(); active = -1; }

  function current() {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = QUERY.exec(before);
    return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function choose(person) {
    const found = current();
    if (!found) return close();
    const end = textarea.selectionStart;
    const insert = "@" + person.username + " ";
    textarea.value = textarea.value.slice(0, found.start) + insert + textarea.value.slice(end);
    const caret = found.start + insert.length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true })); // keeps the draft
    close();
    textarea.focus();
  }

  function show(people) {
    list.replaceChildren();
    active = -1;
    for (const person of people) {
      const option = el("li", { role: "option", class: "mention-option", "data-username": person.username },
        el("strong", { text: person.name }), " ",
        el("span", { class: "muted", text: "@" + person.username + " · " + person.organisation }));
      option.addEventListener("mousedown", (e) => { e.preventDefault(); choose(person); });
      list.appendChild(option);
    }
    list.hidden = !people.length;
    list._people = people;
  }

  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    const found = current();
    if (!found) return close();
    timer = setTimeout(() => {
      const ticket = ++asked;
      fetch(textarea.dataset.mentions + "?q=" + encodeURIComponent(found.query), { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : { people: [] }))
        .then((data) => { if (ticket === asked && current()) show(data.people || []); })
        .catch(close);
    }, 150);
  });
  textarea.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    const options = [...list.children];
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
      options.forEach((o, i) => o.setAttribute("aria-selected", String(i === active)));
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      choose(list._people[active]);
    } else if (e.key === "Escape") {
      close();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(close, 200));
}
