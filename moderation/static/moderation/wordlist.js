// The word-list page's CSV import with a progress bar: the upload's progress, then the server's
// answer (how many were imported, or every wrong row). Without script the form posts as usual.
const form = document.getElementById("import-form");

function show(status, errors) {
  document.getElementById("import-status").textContent = status;
  const list = document.getElementById("import-errors");
  list.replaceChildren(...errors.map((e) => {
    const item = document.createElement("li");
    const line = (form.dataset.lineLabel || "Line %(line)s").replace("%(line)s", e.line);
    item.textContent = `${line}: ${e.message}`;
    return item;
  }));
}

if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const bar = document.getElementById("import-progress");
    const button = form.querySelector("button[type=submit]");
    const request = new XMLHttpRequest();
    bar.hidden = false;
    bar.value = 0;
    button.disabled = true;
    show("", []);
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((90 * e.loaded) / e.total);
    });
    request.upload.addEventListener("load", () => {
      bar.removeAttribute("value"); // the server is checking and storing: indeterminate
    });
    request.addEventListener("load", () => {
      button.disabled = false;
      let body = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = { message: request.statusText };
      }
      if (request.status < 300) {
        bar.value = 100;
        show(body.message || "", []);
        window.setTimeout(() => window.location.reload(), 600);
      } else {
        bar.hidden = true;
        show(body.message || request.statusText, body.errors || []);
      }
    });
    request.addEventListener("error", () => {
      button.disabled = false;
      bar.hidden = true;
      show(form.dataset.offline || "Network error", []);
    });
    request.open("POST", window.location.pathname + window.location.search);
    request.setRequestHeader("Accept", "application/json");
    request.send(new FormData(form));
  });
}
