// Sign-in for the agent desk: posts the form as JSON and shows refusals as text.
// Selectors: #login-form, #username, #password, #login (button), #login-error.
"use strict";

(function () {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  const button = document.getElementById("login");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    button.disabled = true;
    try {
      const response = await fetch("/console/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({
          username: document.getElementById("username").value,
          password: document.getElementById("password").value,
        }),
      });
      let data = {};
      try {
        data = await response.json();
      } catch (ignored) {
        data = {};
      }
      if (response.ok) {
        window.location.assign(data.redirect || "/console/");
        return;
      }
      error.textContent = data.error || "登录失败，请稍后再试";
    } catch (ignored) {
      error.textContent = "网络不通，请稍后再试";
    } finally {
      button.disabled = false;
    }
  });
})();
