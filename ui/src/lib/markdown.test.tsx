import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Markdown } from "./markdown";

describe("a step's Markdown", () => {
  it("renders bold, italic, code and lists as elements", () => {
    const { container } = render(<Markdown text={"Reconcile **every** line, *then* run `report`.\n\n- one\n- two"} />);
    expect(container.querySelector("strong")?.textContent).toBe("every");
    expect(container.querySelector("em")?.textContent).toBe("then");
    expect(container.querySelector("code")?.textContent).toBe("report");
    expect([...container.querySelectorAll("li")].map((li) => li.textContent)).toEqual(["one", "two"]);
  });

  it("never turns a step's text into HTML", () => {
    const { container } = render(<Markdown text={'<img src=x onerror="alert(1)"> **<b>x</b>**'} />);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(container.textContent).toContain("<img");
  });
});
